"""The live page in a real browser: headless Chromium (Debian's package) via Playwright.

Starts ``run_sim.py live`` on a free local port with a scenarios folder made from the
tiny fixture (a baseline, a variant and a broken variant), then plays the day, checks
that the clock advances and the dots move, steps a day with Mesa's own Step button,
switches scenario, compares with the baseline and feeds the page bad input.
Screenshots go to the test's temporary folder, and also to ``$CROSSPATHS_SCREENSHOTS``
when that is set.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TINY_PATH

pytest.importorskip("solara")
sync_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
VARIANT = """extends: baseline.yaml
name: tiny_variant
description: The tiny grid without the north half of its middle path
remove:
  edges: [v11]
"""
BROKEN = """extends: baseline.yaml
name: broken
modify:
  edges:
    h00: {frontage: 5}
"""

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scenarios")
    shutil.copy(TINY_PATH, folder / "baseline.yaml")
    (folder / "variant.yaml").write_text(VARIANT, encoding="utf-8")
    (folder / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def server(scenarios: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    cmd = [sys.executable, "run_sim.py", "live", str(scenarios / "baseline.yaml"),
           "--port", str(port), "--scenarios", str(scenarios)]  # fmt: skip
    with log.open("w") as out:
        # A session of its own, so that the server and its children can be stopped together.
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"server exited: {log.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"server did not start: {log.read_text()}")
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/"
        assert proc.poll() is None, "the server died during the test"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # whatever of the session is still there


def _clock_minutes(page: Any) -> int:
    text = page.inner_text("[data-testid=clock]")  # e.g. "Monday 07:42"
    hours, minutes = text.split()[-1].split(":")
    return int(hours) * 60 + int(minutes)


def _map_pixels(page: Any) -> str:
    return str(page.evaluate("document.querySelector('[data-testid=map]').toDataURL()"))


def _wait_for_map(page: Any, title: str) -> None:
    page.wait_for_function(
        "t => (document.querySelector('[data-testid=title]') || {}).innerText?.includes(t)",
        arg=title, timeout=45_000,
    )  # fmt: skip
    page.wait_for_function(
        "() => Number(document.querySelector('[data-testid=map]')?.dataset.frame) > 0",
        timeout=45_000,
    )


def _pick_scenario(page: Any, name: str, scale: str = "1.0") -> None:
    scale_box = page.get_by_label("Scale (1 = full district)")
    scale_box.fill(scale)
    scale_box.press("Enter")
    page.locator(".v-select", has_text="Scenario").first.click()
    page.locator(".v-menu__content .v-list-item", has_text=name).first.click()
    page.get_by_role("button", name="Reset").click()


def test_live_page_in_a_browser(server: str, tmp_path: Path) -> None:
    shots = [tmp_path]
    if os.environ.get("CROSSPATHS_SCREENSHOTS"):
        shots.append(Path(os.environ["CROSSPATHS_SCREENSHOTS"]))
        shots[-1].mkdir(parents=True, exist_ok=True)

    def shoot(page: Any, name: str) -> None:
        for folder in shots:
            page.screenshot(path=str(folder / f"{name}.png"))

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server)
        _wait_for_map(page, "tiny")
        shoot(page, "01_loaded")

        # Play: the clock advances and the dots move.
        start = _clock_minutes(page)
        page.select_option("[data-testid=speed]", "2400")
        page.click("[data-testid=play]")
        page.wait_for_function(
            "() => Number(document.querySelector('[data-testid=map]').dataset.walking) > 0",
            timeout=20_000,
        )
        before = _map_pixels(page)
        after = before
        # A loaded machine may draw few frames; poll rather than trust one fixed wait.
        for _ in range(20):
            page.wait_for_timeout(250)
            after = _map_pixels(page)
            if after != before:
                break
        shoot(page, "02_playing")
        assert _clock_minutes(page) > start
        assert after != before
        page.click("[data-testid=play]")  # pause
        paused = _clock_minutes(page)
        page.wait_for_timeout(500)
        assert _clock_minutes(page) == paused

        # Mesa's own Step simulates the next day, which the map then replays.
        page.get_by_role("button", name="Step").click()
        page.wait_for_function(
            "() => document.querySelector('[data-testid=clock]').innerText.startsWith('Tuesday')",
            timeout=30_000,
        )

        # Another scenario, and its difference from the baseline.
        _pick_scenario(page, "variant.yaml")
        _wait_for_map(page, "tiny_variant")
        page.get_by_text("Compare with baseline").click()
        page.wait_for_selector("text=minus", timeout=45_000)
        # The removed path is drawn as a changed street.
        assert int(page.get_attribute("[data-testid=map]", "data-diff-segments") or 0) > 0
        shoot(page, "03_compare")

        # Bad input: a message on the page, and the server keeps serving.
        _pick_scenario(page, "broken.yaml")
        page.wait_for_selector(".cp-model-error", timeout=20_000)
        assert "frontage" in page.inner_text(".cp-model-error")
        shoot(page, "04_broken_layout")
        _pick_scenario(page, "variant.yaml", scale="0")
        page.wait_for_function(
            "() => document.querySelector('.cp-model-error')?.innerText.includes('scale')",
            timeout=20_000,
        )
        shoot(page, "05_scale_zero")
        _pick_scenario(page, "variant.yaml", scale="1")
        _wait_for_map(page, "tiny_variant")
        browser.close()
    assert not errors, errors
