"""A batch's results folder: one small file per finished run, written atomically.

Layout of the folder (``KIND`` is ``sweep``, ``compare``, ...)::

    .crosspaths.json    the output-folder marker (:mod:`sim.outputs.folders`)
    KIND.json           what batch made the folder (its description and digest)
    runs/<run id>.json  one record per finished run, successful or failed

A record is written to a temporary name, flushed to disk and renamed into place, so a
record file either exists complete or not at all, whatever interrupts the sweep (Ctrl-C,
a killed worker, a crashed machine). On start a command skips every run with a
successful record; failed runs are run again, since a failure may have come from a
worker that was killed rather than from the run itself. Only one process should write
to a folder at a time.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sim
from sim.errors import CrosspathsInputError
from sim.outputs.folders import claim, make_folder

RUNS = "runs"
OK = "ok"
FAILED = "failed"

Record = dict[str, Any]
"""One run as stored: ids, parameters, seed, status, figures, error, runtime."""


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new, never half.

    Parameters
    ----------
    path
        Destination; its folder must exist.
    text
        UTF-8 content.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            # Survive a power cut: the rename must not reach the disk before the data.
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class RunStore:
    """The run records of one command's results folder.

    Parameters
    ----------
    folder
        The output folder (made by :meth:`open`).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.runs = self.folder / RUNS

    @classmethod
    def open(
        cls,
        folder: Path,
        kind: str,
        content: dict[str, Any],
        digest: str,
        *,
        replace_other: bool = False,
    ) -> RunStore:
        """Open ``folder`` for a batch of runs, creating it or resuming the same batch.

        Parameters
        ----------
        folder
            Output folder.
        kind
            The command (``"sweep"``, ``"compare"``, ...); its manifest is ``KIND.json``.
        content
            What describes the batch (written to the manifest for people to read).
        digest
            Identity of the batch: records are reused only under the same digest.
        replace_other
            What to do when the folder holds another batch of the same command: drop
            its records (``True``, for cheap, re-runnable commands such as
            ``compare``) or refuse (``False``, for sweeps that took hours).

        Returns
        -------
        RunStore

        Raises
        ------
        CrosspathsInputError
            If the folder holds other files, another command's results, or (unless
            ``replace_other``) another batch's runs.
        """
        folder = Path(folder)
        claim(folder, kind)
        make_folder(folder, kind)
        manifest = folder / f"{kind}.json"
        store = cls(folder)
        if manifest.exists() and _manifest_digest(manifest) != digest:
            if not replace_other:
                raise CrosspathsInputError(
                    f"holds runs of a different {kind} (its file or a scenario file "
                    "changed); use another --out or remove the folder",
                    file=os.fspath(folder),
                )
            shutil.rmtree(store.runs, ignore_errors=True)
            manifest.unlink()
        if not manifest.exists():
            content = {f"{kind}_sha256": digest, **content, "crosspaths": sim.__version__}
            write_atomic(manifest, json.dumps(content, indent=2) + "\n")
        store.runs.mkdir(exist_ok=True)
        for stale in store.runs.glob(".*.tmp"):
            # Left by a process killed between writing and renaming a record.
            stale.unlink(missing_ok=True)
        return store

    def write(self, record: Record) -> None:
        """Store one run's record (replacing an earlier one of the same run)."""
        text = json.dumps(record, indent=1, ensure_ascii=False, allow_nan=False)
        write_atomic(self.runs / f"{record['run_id']}.json", text + "\n")

    def records(self) -> Iterator[Record]:
        """Every stored record, in no particular order."""
        for path in sorted(self.runs.glob("*.json")):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                # Only a file edited or damaged by hand can be unreadable; run it again.
                continue
            if isinstance(record, dict) and "run_id" in record:
                yield record

    def statuses(self) -> dict[str, str]:
        """Run id → ``"ok"`` or ``"failed"`` for every stored run."""
        return {r["run_id"]: r.get("status", FAILED) for r in self.records()}


def _manifest_digest(manifest: Path) -> str | None:
    """The digest recorded in a folder's manifest, or ``None`` if unreadable."""
    key = f"{manifest.stem}_sha256"
    try:
        value = json.loads(manifest.read_text(encoding="utf-8")).get(key)
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None
