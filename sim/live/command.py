"""``run_sim.py live [LAYOUT] [--port 8765]``: serve the live page until Ctrl-C.

The layout is validated first, so a broken file gives the usual one-line error and
exit status 2 before any server starts. The page itself is a Solara app
(:mod:`sim.live.app`) served by ``solara run`` in a child process; its settings travel
in environment variables.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

from sim.argtypes import positive_number, whole_number
from sim.errors import CrosspathsInputError


def add_parser(sub: argparse._SubParsersAction[Any]) -> argparse.ArgumentParser:
    """Register ``live`` on the main parser."""
    p = sub.add_parser("live", help="watch a layout's day in the browser (Mesa SolaraViz)")
    p.add_argument("layout", nargs="?", default="scenarios/baseline.yaml",
                   help="layout to open first (default scenarios/baseline.yaml)")  # fmt: skip
    p.add_argument("--port", type=whole_number(0), default=8765,
                   help="port to serve on (default 8765; 0 picks a free one)")  # fmt: skip
    p.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1)")
    p.add_argument("--scenarios", default="scenarios",
                   help="folder whose layouts the page offers (default scenarios)")  # fmt: skip
    p.add_argument("--scale", type=positive_number, default=1.0,
                   help="population scale to open with (default 1)")  # fmt: skip
    p.add_argument("--sample", type=whole_number(1), default=4000,
                   help="most people drawn as dots (default 4000)")  # fmt: skip
    p.set_defaults(handler=run)
    return p


def free_port(host: str = "127.0.0.1") -> int:
    """A port on ``host`` that nothing listens on now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _check_port(host: str, port: int) -> None:
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError as err:
            raise CrosspathsInputError(
                f"cannot serve on {host}:{port} ({err.strerror}); pick another with --port",
                path="--port",
            ) from None


def server_command(host: str, port: int) -> list[str]:
    """The command that serves the page."""
    # --no-check-version: Solara would otherwise ask PyPI for its latest version at start.
    return [sys.executable, "-m", "solara", "run", "sim.live.app", "--host", host,
            "--port", str(port), "--production", "--no-open", "--no-check-version",
            "--log-level", "warning"]  # fmt: skip


def server_env(layout: str, scenarios: str, scale: float, sample: int) -> dict[str, str]:
    """The environment that tells the page what to open."""
    from sim.live.settings import ENV_LAYOUT, ENV_SAMPLE, ENV_SCALE, ENV_SCENARIOS

    return {
        **os.environ, ENV_LAYOUT: layout, ENV_SCENARIOS: scenarios, ENV_SCALE: repr(scale),
        ENV_SAMPLE: str(sample),
        # Solara warns on every page load that a session cookie over plain http falls
        # back to samesite=lax; on a local address that is what is wanted.
        "PYTHONWARNINGS": "ignore:Cookies with samesite=none:UserWarning",
    }  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """Validate, then serve until interrupted."""
    from sim.layout import load_layout

    if importlib.util.find_spec("solara") is None:
        raise CrosspathsInputError(
            "the live view needs Solara: pip install -e '.[viz]'", path="live"
        )
    load_layout(args.layout)
    port = args.port or free_port(args.host)
    _check_port(args.host, port)
    print(f"Crosspaths live view: http://{args.host}:{port}/  (Ctrl-C stops it)", flush=True)
    env = server_env(args.layout, args.scenarios, args.scale, args.sample)
    proc = subprocess.Popen(server_command(args.host, port), env=env)

    def stop(signum: int, frame: object) -> None:
        # A kill reaches this process only (Ctrl-C reaches the server too): pass it on,
        # rather than waiting for a server that was never told to stop.
        proc.terminate()
        raise KeyboardInterrupt

    # A plain kill (SIGTERM) of this process must not leave the server running.
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        # Short waits, so that a signal is handled promptly whichever thread it reaches.
        while proc.poll() is None:
            time.sleep(0.5)
        return int(proc.returncode)
    except KeyboardInterrupt:
        # Ctrl-C reaches the server too; give it a moment to close its connections.
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait(timeout=10)
        print("live view stopped", file=sys.stderr)
        return 0
    finally:
        if proc.poll() is None:
            proc.kill()
        signal.signal(signal.SIGTERM, previous)
