"""The runs of a ranking: candidate files, the sweep's run store and backends.

A ranking folder holds ``rank.json`` (which base it ranks), ``candidates/<id>.yaml`` (each
candidate as a variant of the base, the file a worker runs) and ``runs/<run id>.json``
(one record per finished run, written atomically by :class:`sim.runs.store.RunStore` as
each run finishes). A run's id is a hash of the scenario files' contents, the seed,
the days and the scale, so a ranking that was interrupted, or run again with other
candidates, options or more seeds, reuses every run it already has.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from tqdm import tqdm

from sim.batch import RunSpec
from sim.rank.base import Base
from sim.rank.candidates import Candidate
from sim.runs.backends import Backend, RunRecord, RunTask, files_digest
from sim.runs.store import FAILED, OK, RunStore, write_atomic
from sim.sweep.plan import worker_path

KIND = "rank"
"""Output-folder kind (:mod:`sim.outputs.folders`)."""
CANDIDATES = "candidates"
BASE_KEY = "base"
"""Scenario key of the base layout's runs."""
FIGURE = "cross_institution_meetings_per_person_day"
"""The figure candidates are ranked by."""


class RunsFailedError(RuntimeError):
    """Some runs of a ranking failed; their records say why, a re-run retries them."""


@dataclass(frozen=True)
class Runnable:
    """A scenario file a worker can run.

    Attributes
    ----------
    key
        ``"base"`` or the candidate id.
    path
        The file as workers name it.
    files
        Every file it is made of, as workers name them.
    sha256
        Digest of those files' contents.
    identity
        Digest of what its runs' numbers depend on, for their ids: the base's files and,
        for a candidate, its name and changes (:func:`candidate_identity`). Not the
        candidate file's text, which names the base by a path relative to the ranking
        folder: a copied folder, or the same command from another checkout, rewrites the
        files and still finds its runs.
    """

    key: str
    path: str
    files: tuple[str, ...]
    sha256: str
    identity: str


def candidate_identity(base_sha256: str, base: Base, candidate: Candidate) -> str:
    """The :attr:`Runnable.identity` of ``candidate`` on a base whose files have
    ``base_sha256``: its variant file's content (:func:`variant_text`) without the path
    to the base and the comments and description, which do not change its numbers."""
    body = {"name": variant_name(base, candidate), **candidate.changes}
    text = json.dumps([base_sha256, body], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_id(sha256: str, seed: int, days: int, scale: float) -> str:
    """Stable id of one run: what determines its numbers, hashed."""
    text = json.dumps(
        {"sha256": sha256, "seed": seed, "days": days, "scale": scale},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def variant_name(base: Base, candidate: Candidate) -> str:
    """The scenario name of ``candidate``'s variant file."""
    return f"{base.layout.name}__{candidate.id}"


def variant_text(base: Base, candidate: Candidate, folder: Path) -> str:
    """The candidate as a variant file placed in ``folder`` (``extends`` relative to it)."""
    header = (
        f"# Candidate '{candidate.id}' ({candidate.kind}) from `run_sim.py rank "
        f"{base.path}`:\n# {candidate.description}\n"
    )
    body: dict[str, Any] = {
        "extends": os.path.relpath(os.path.abspath(base.path), os.path.abspath(folder)),
        "name": variant_name(base, candidate),
        "description": candidate.description,
        **candidate.changes,
    }
    return header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)


def open_folder(folder: Path, base: Base, days: int) -> RunStore:
    """Open (or create) a ranking folder for ``base``; resume it if it ranks the same base.

    Raises
    ------
    CrosspathsInputError
        If the folder holds something else: another base (or the base edited since),
        other ``--days``, another command's output or files the tool did not write.
    """
    base_sha = files_digest(base.files)
    digest = hashlib.sha256(json.dumps([base_sha, days]).encode()).hexdigest()
    content = {"base": base.path, "base_sha256": base_sha, "days": days}
    store = RunStore.open(folder, KIND, content, digest)
    (folder / CANDIDATES).mkdir(exist_ok=True)
    return store


class RankRuns:
    """Runs scenarios over seeds through a backend, storing each record as it arrives.

    Parameters
    ----------
    base
        The layout being ranked.
    store
        From :func:`open_folder`.
    backend
        Where runs execute.
    days, seed_base
        Every run's days; seeds are ``seed_base, seed_base + 1, ...``.
    quiet
        No progress bars.
    """

    def __init__(
        self,
        base: Base,
        store: RunStore,
        backend: Backend,
        days: int = 1,
        seed_base: int = 0,
        quiet: bool = False,
    ) -> None:
        self.base = base
        self.store = store
        self.backend = backend
        self.days = days
        self.seed_base = seed_base
        self.quiet = quiet
        files = tuple(worker_path(Path(f).absolute()) for f in base.files)
        sha = files_digest(base.files)
        self.scenarios: dict[str, Runnable] = {
            BASE_KEY: Runnable(BASE_KEY, files[-1], files, sha, identity=sha)
        }
        self.records: dict[str, dict[str, Any]] = {
            r["run_id"]: r for r in store.records() if r.get("status") == OK
        }
        self.ran = 0
        self.reused = 0

    def add(self, candidate: Candidate, folder: str = CANDIDATES) -> Runnable:
        """Write a candidate's variant file into the ranking folder and register it."""
        where = self.store.folder / folder
        where.mkdir(exist_ok=True)
        path = where / f"{candidate.id}.yaml"
        text = variant_text(self.base, candidate, where)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            write_atomic(path, text)
        base = self.scenarios[BASE_KEY]
        name = worker_path(path.absolute())
        files = (*base.files, name)
        runnable = Runnable(
            candidate.id, name, files, files_digest([*self.base.files, path]),
            identity=candidate_identity(base.identity, self.base, candidate),
        )
        self.scenarios[candidate.id] = runnable
        return runnable

    def seeds(self, n: int) -> list[int]:
        """The first ``n`` seeds."""
        return list(range(self.seed_base, self.seed_base + n))

    def _id(self, key: str, seed: int, scale: float) -> str:
        return run_id(self.scenarios[key].identity, seed, self.days, scale)

    def ensure(self, keys: Sequence[str], n: int, scale: float, label: str = "") -> None:
        """Run every missing run of ``keys`` (and the base) over the first ``n`` seeds.

        Raises
        ------
        RunsFailedError
            If any of them failed (after all were tried).
        """
        wanted = [BASE_KEY, *(k for k in keys if k != BASE_KEY)]
        tasks: list[RunTask] = []
        meta: dict[str, tuple[str, int]] = {}
        for seed in self.seeds(n):
            for key in wanted:
                rid = self._id(key, seed, scale)
                if rid in self.records or rid in meta:
                    continue
                sc = self.scenarios[key]
                spec = RunSpec(sc.path, seed, self.days, scale, key=(rid,))
                tasks.append(RunTask(rid, spec, sc.files, sc.sha256))
                meta[rid] = (key, seed)
        self.reused += len(wanted) * n - len(tasks)
        if not tasks:
            return
        failures: list[str] = []
        bar = tqdm(total=len(tasks), desc=label or "rank", unit="run", disable=self.quiet,
                   leave=False, dynamic_ncols=True, smoothing=0.05)  # fmt: skip
        results = self.backend.results(tasks)
        try:
            for result in results:
                key, seed = meta[result.run_id]
                record = self._record(result, key, seed, scale)
                self.store.write(record)
                self.ran += 1
                if result.ok:
                    self.records[result.run_id] = record
                else:
                    failures.append(f"{key} seed {seed}: {result.error}")
                bar.set_postfix(failed=len(failures), refresh=False)
                bar.update(1)
        finally:
            # Closing the generator (an interrupt) cancels the runs not yet started.
            close = getattr(results, "close", None)
            if close is not None:
                close()
            bar.close()
        if failures:
            raise RunsFailedError(
                f"{len(failures)} run(s) failed, first: {failures[0]}; "
                "run the same command to retry them"
            )

    def _record(self, result: RunRecord, key: str, seed: int, scale: float) -> dict[str, Any]:
        return {
            "run_id": result.run_id,
            "scenario": key,
            "file": self.scenarios[key].path,
            "sha256": self.scenarios[key].sha256,
            "seed": seed,
            "days": self.days,
            "scale": scale,
            "status": OK if result.ok else FAILED,
            "figures": result.figures,
            "runtime_s": round(result.runtime_s, 3),
            "error": result.error,
        }

    def values(self, key: str, n: int, scale: float, figure: str = FIGURE) -> np.ndarray:
        """A figure of scenario ``key`` for the first ``n`` seeds (runs must exist)."""
        return np.array(
            [self.records[self._id(key, s, scale)]["figures"][figure] for s in self.seeds(n)],
            dtype=float,
        )

    def effects(
        self, keys: Sequence[str], n: int, scale: float, label: str = "", figure: str = FIGURE
    ) -> dict[str, np.ndarray]:
        """Per-seed ``candidate - base`` of ``figure`` over the first ``n`` seeds."""
        self.ensure(keys, n, scale, label)
        ref = self.values(BASE_KEY, n, scale, figure)
        return {k: self.values(k, n, scale, figure) - ref for k in keys}
