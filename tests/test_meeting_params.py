"""Bad values of the meeting parameters: one line naming file, line and key, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "fixtures" / "tiny.yaml"


@pytest.mark.parametrize(
    ("line", "phrase"),
    [
        ("  attention_capacity: -1", "expected a number between 0.1 and 1000, got -1"),
        ("  attention_capacity: many", "got 'many'"),
        ("  max_new_pair_chance: 0.9", "expected a number between 0.001 and 0.5, got 0.9"),
        ("  max_new_pair_chance: 0", "got 0"),
    ],
)
def test_bad_meeting_parameter_is_one_line_exit_2(
    tmp_path: Path, line: str, phrase: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    # In this process: run_sim.py's own exit status and stderr are checked in test_cli.
    text = TINY.read_text(encoding="utf-8").rstrip("\n") + "\nmodel:\n" + line + "\n"
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    lineno = text.count("\n", 0, text.index(line)) + 1
    monkeypatch.chdir(tmp_path)
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    key = line.split(":")[0].strip()
    assert f"{path}:{lineno}" in err and f"model.{key}" in err and phrase in err, err
    assert list(tmp_path.iterdir()) == [path]  # nothing written
