"""The layouts the live page offers: every layout file in the scenarios folder.

A file counts as a layout when its top level has ``nodes`` (a full layout) or
``extends`` (a variant); sweep files and anything else are left out. Only the top-level
keys are looked at here; a layout that is picked is validated when it is loaded, and a
broken one is reported on the page.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_TOP_KEY = re.compile(r"^(nodes|extends)\s*:", re.MULTILINE)


def is_layout_file(path: Path) -> bool:
    """Whether ``path`` looks like a layout or a variant (by its top-level keys)."""
    try:
        return bool(_TOP_KEY.search(path.read_text(encoding="utf-8", errors="replace")))
    except OSError:
        return False


def scenario_files(folder: str | os.PathLike[str], extra: str | None = None) -> list[str]:
    """Layout files under ``folder``, baseline first, then by path; plus ``extra``.

    Paths are returned as given relative to the working directory (as the command line
    takes them), with ``/`` separators.
    """
    root = Path(folder)
    found = sorted(
        p.as_posix() for p in root.rglob("*.y*ml") if p.is_file() and is_layout_file(p)
    )
    found.sort(key=lambda p: (Path(p).stem != "baseline", p.count("/"), p))
    if extra and Path(extra).as_posix() not in found:
        found.insert(0, Path(extra).as_posix())
    return found
