"""Output folders: the one rule for where a command may write, and all-or-nothing writes.

The rule (docs/DEVELOPMENT.md, "Output safety"): a command writes only to a path that
does not exist yet, to an empty folder, or to a folder that Crosspaths made itself
for the same kind of output (it holds a marker file, :data:`MARKER`). Anything else —
a file, someone's folder, another command's results — is refused with one line before
any work is done, and so is a place where the folder cannot be created or written.

Results are built in a hidden sibling folder and swapped in when complete. A process
killed during the swap can leave the target missing and the previous results in a
hidden sibling; :func:`claim` (called by every command before it starts) puts them
back, and removes the hidden leftovers of dead processes — only those that carry the
marker, so nothing the tool did not write is ever touched.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sim
from sim.errors import CrosspathsInputError

MARKER = ".crosspaths.json"
"""File in every output folder Crosspaths makes: which command made it, and whether the
folder is complete."""

LEGACY_MARKERS: dict[str, str] = {"sweep": "sweep.json"}
"""Files that identify folders made before markers existed, by kind."""

_TMP, _OLD = "tmp", "old"


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The marker of ``folder`` as a dict, or ``None`` if it has none (or it is damaged)."""
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("kind"), str) else None


def write_marker(folder: Path, kind: str, *, complete: bool) -> None:
    """Mark ``folder`` as made by Crosspaths for ``kind`` outputs."""
    content = {
        "crosspaths": sim.__version__,
        "kind": kind,
        "complete": complete,
        "pid": os.getpid(),
    }
    (folder / MARKER).write_text(json.dumps(content) + "\n", encoding="utf-8")


def folder_kind(folder: Path) -> str | None:
    """Which command made ``folder`` (``"run"``, ``"compare"``, ...), or ``None``."""
    marker = read_marker(folder)
    if marker is not None:
        return str(marker["kind"])
    for kind, name in LEGACY_MARKERS.items():
        if (folder / name).is_file():
            return kind
    return None


def claim(out_dir: Path, kind: str, *, arg: str = "--out") -> None:
    """Check, before any work, that a ``kind`` command may write its results to ``out_dir``.

    Also repairs what an interrupted earlier write left next to ``out_dir``.

    Parameters
    ----------
    out_dir
        The results folder asked for.
    kind
        The command writing it: ``"run"``, ``"compare"``, ``"sweep"``, ...
    arg
        How the user named the path, for the message.

    Raises
    ------
    CrosspathsInputError
        If ``out_dir`` is a file or link, a non-empty folder that Crosspaths did not make
        for ``kind``, or cannot be created or written.
    """
    out_dir = Path(out_dir)
    where = f"{arg} {out_dir}"
    recover(out_dir)
    if out_dir.is_symlink():
        raise CrosspathsInputError("expected a folder, but this is a link", path=where)
    if out_dir.exists():
        if not out_dir.is_dir():
            raise CrosspathsInputError(
                "expected a folder for the results, but this is a file", path=where
            )
        made_by = folder_kind(out_dir)
        if made_by is None and _has_entries(out_dir):
            raise CrosspathsInputError(
                "this folder holds files that Crosspaths did not write; "
                "use a new or empty folder",
                path=where,
            )
        if made_by is not None and made_by != kind:
            raise CrosspathsInputError(
                f"this folder holds the results of a {made_by}; a {kind} writes only to a "
                f"new or empty folder or to an earlier {kind}'s results",
                path=where,
            )
    _check_writable(out_dir, where)


def _has_entries(folder: Path) -> bool:
    try:
        return any(folder.iterdir())
    except OSError as exc:
        raise CrosspathsInputError(
            f"cannot read this folder: {exc.strerror or exc}", path=str(folder)
        ) from None


def _check_writable(out_dir: Path, where: str) -> None:
    """Refuse a place where the folder cannot be made, by trying (and undoing) it."""
    # The swap renames inside the parent, so the parent (or, while it is missing, its
    # nearest existing ancestor) is what must be writable.
    probe_in = out_dir.absolute().parent
    while not probe_in.exists() and probe_in != probe_in.parent:
        probe_in = probe_in.parent
    if not probe_in.is_dir():
        raise CrosspathsInputError(
            f"cannot be created: {probe_in} is a file, not a folder", path=where
        )
    try:
        Path(tempfile.mkdtemp(prefix=".crosspaths-probe-", dir=probe_in)).rmdir()
    except OSError as exc:
        raise CrosspathsInputError(
            f"cannot be written: {exc.strerror or exc} in {probe_in}", path=where
        ) from None


def _siblings(out_dir: Path, tag: str) -> list[Path]:
    """Hidden leftovers of earlier writes of ``out_dir`` that carry the marker, newest first."""
    parent = out_dir.parent
    if not parent.is_dir():
        return []
    prefix = f".{out_dir.name}.{tag}-"
    try:
        found = [
            p
            for p in parent.iterdir()
            if p.name.startswith(prefix) and p.is_dir() and not p.is_symlink()
        ]
    except OSError:
        return []
    ours = [p for p in found if read_marker(p) is not None]
    return sorted(ours, key=lambda p: p.stat().st_mtime, reverse=True)


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(out_dir: Path) -> None:
    """Undo what a killed write of ``out_dir`` left behind.

    If ``out_dir`` is missing but a complete new folder or the previous one is waiting
    next to it, the newest complete one is put in its place. Leftovers of processes that
    are no longer running are then removed; leftovers of a running process (another
    write of the same folder) are left alone.
    """
    out_dir = Path(out_dir)
    if not out_dir.exists() and not out_dir.is_symlink():
        complete_new = [p for p in _siblings(out_dir, _TMP) if _complete(p)]
        previous = _siblings(out_dir, _OLD)
        for candidate in [*complete_new, *previous]:
            if _alive((read_marker(candidate) or {}).get("pid")):
                continue
            try:
                candidate.rename(out_dir)
            except OSError:
                continue
            break
    for tag in (_TMP, _OLD):
        for leftover in _siblings(out_dir, tag):
            if not _alive((read_marker(leftover) or {}).get("pid")):
                shutil.rmtree(leftover, ignore_errors=True)


def _complete(folder: Path) -> bool:
    return bool((read_marker(folder) or {}).get("complete"))


def _sibling_path(out_dir: Path, tag: str) -> Path:
    """An unused hidden path next to ``out_dir`` (same filesystem, so renames are atomic)."""
    return out_dir.parent / f".{out_dir.name}.{tag}-{uuid.uuid4().hex[:12]}"


def _swap_in(new: Path, out_dir: Path) -> None:
    """Put the complete folder ``new`` at ``out_dir``, replacing what was there."""
    if not out_dir.exists():
        new.rename(out_dir)
        return
    # A directory cannot be renamed over a non-empty one, so move the old one aside
    # first and restore it if the second rename fails. A kill between the two renames
    # is repaired by the next :func:`recover`.
    old = _sibling_path(out_dir, _OLD)
    out_dir.rename(old)
    try:
        new.rename(out_dir)
    except BaseException:
        old.rename(out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def atomic_folder(out_dir: Path, kind: str) -> Iterator[Path]:
    """Write a results folder all-or-nothing: fill the yielded folder, get ``out_dir``.

    Call :func:`claim` first (before the long work). The yielded folder is a hidden
    sibling of ``out_dir``, marked for ``kind``; when the ``with`` block ends normally
    it replaces ``out_dir`` (created with its parents if missing). If the block raises,
    the sibling is removed and an existing ``out_dir`` stays as it was.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    # A sibling, not the system temp dir, so the final rename stays on one filesystem;
    # plain mkdir (not mkdtemp's 0700) so the results get the user's usual permissions.
    tmp = _sibling_path(out_dir, _TMP)
    tmp.mkdir()
    try:
        write_marker(tmp, kind, complete=False)
        yield tmp
        write_marker(tmp, kind, complete=True)
        _swap_in(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def make_folder(out_dir: Path, kind: str) -> None:
    """Create ``out_dir`` (claimed before) as a persistent, marked ``kind`` folder.

    For outputs that grow in place, such as a sweep's run records.
    """
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        if read_marker(out_dir) is None:
            write_marker(out_dir, kind, complete=True)
    except OSError as exc:
        raise CrosspathsInputError(
            f"cannot be written: {exc.strerror or exc}", path=f"--out {out_dir}"
        ) from None
