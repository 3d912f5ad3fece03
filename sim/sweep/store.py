"""The results folder of a sweep: one small file per finished run, written atomically.

Layout of the folder::

    sweep.json          what sweep made the folder (normalised content and digest)
    runs/<run id>.json  one record per finished run, successful or failed

A record is written to a temporary name, flushed to disk and renamed into place, so a
record file either exists complete or not at all, whatever interrupts the sweep (Ctrl-C,
a killed worker, a crashed machine). On start the sweep skips every run with a
successful record; failed runs are run again, since a failure may have come from a
worker that was killed rather than from the run itself. Only one sweep process should
write to a folder at a time.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sim
from sim.errors import CrosspathsInputError
from sim.outputs.folders import claim, make_folder
from sim.sweep.spec import SweepSpec

MANIFEST = "sweep.json"
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
    """The records of one sweep in one folder.

    Parameters
    ----------
    folder
        The sweep's output folder (made by :meth:`open`).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.runs = self.folder / RUNS

    @classmethod
    def open(cls, folder: Path, spec: SweepSpec) -> RunStore:
        """Open ``folder`` for ``spec``, creating it, or resuming it if ``spec`` made it.

        Parameters
        ----------
        folder
            Output folder.
        spec
            The sweep about to run.

        Returns
        -------
        RunStore

        Raises
        ------
        CrosspathsInputError
            If the folder holds another sweep's runs (a different sweep file, or the
            same one with changed scenario files), or other files.
        """
        folder = Path(folder)
        claim(folder, "sweep")
        make_folder(folder, "sweep")
        manifest = folder / MANIFEST
        if manifest.exists():
            if _manifest_digest(manifest) != spec.digest():
                raise CrosspathsInputError(
                    "holds runs of a different sweep (the sweep or a scenario file changed); "
                    "use another --out or remove the folder",
                    file=os.fspath(folder),
                )
        else:
            content = {
                "sweep_sha256": spec.digest(),
                "sweep": spec.normalised(),
                "name": spec.name,
                "file": spec.file,
                "crosspaths": sim.__version__,
            }
            write_atomic(manifest, json.dumps(content, indent=2) + "\n")
        store = cls(folder)
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
    """The sweep digest recorded in a folder's manifest, or ``None`` if unreadable."""
    try:
        return json.loads(manifest.read_text(encoding="utf-8")).get("sweep_sha256")
    except (OSError, ValueError, AttributeError):
        return None
