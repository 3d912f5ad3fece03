"""Where runs execute: this process, a local process pool, or a Dask cluster.

``compare``, ``sweep`` and ``rank`` all run through here.

Every backend runs the same function, :func:`execute`, on the same :class:`RunTask`
and yields :class:`RunRecord` objects as runs finish. A record holds a few numbers, so
nothing per agent ever reaches the parent. A run that raises is not a crash of the
sweep but a record with ``error`` set.

The local pool keeps at most one run per worker in flight rather than submitting
everything at once: the parent then holds a handful of futures however long the batch,
and when a worker process dies (killed, out of memory) the runs it may have been
running are known and recorded as failed, and a fresh pool carries on with the rest.
Dask reschedules the work of a lost worker itself and reports a run that keeps killing
workers as ``KilledWorker``. A Dask worker may be a machine that does not see the
submitting one's disk, so each task goes with its scenario files' contents
(:func:`shipped`), which the worker runs from copies of its own (:func:`local_copy`).
"""

from __future__ import annotations

import hashlib
import importlib
import os
import tempfile
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Generator, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

from sim.batch import HEADLINE_FIGURES, RunOutcome, RunSpec, local_pool, run_spec
from sim.errors import CrosspathsInputError

RECORD_FIGURES: tuple[str, ...] = (*HEADLINE_FIGURES, "agents", "meetings")
"""Figures kept from each run's outcome."""
COUNT_FIGURES: frozenset[str] = frozenset(
    {"distinct_cross_institution_ties", "repeat_cross_institution_ties", "agents", "meetings"}
)
"""Figures that are counts, recorded as whole numbers."""

CONNECT_TIMEOUT_S = 20
"""How long to wait for a Dask scheduler before giving up."""

Runner = Callable[[RunSpec], RunOutcome]
"""Runs one spec; :func:`sim.batch.run_spec` except in tests."""


def files_digest(files: Sequence[str | os.PathLike[str]]) -> str:
    """SHA-256 over the contents of ``files``, in order (names do not count).

    Parameters
    ----------
    files
        A scenario's files (:attr:`sim.sweep.spec.SweepScenario.files`).

    Returns
    -------
    str
        Hex digest; equal for equal contents wherever the files lie.
    """
    total = hashlib.sha256()
    for f in files:
        total.update(hashlib.sha256(Path(f).read_bytes()).digest())
    return total.hexdigest()


@dataclass(frozen=True)
class RunTask:
    """What a worker receives.

    Attributes
    ----------
    run_id
        The run's id.
    spec
        The run.
    files, sha256
        The scenario's files (those it extends, then itself) and the
        :func:`files_digest` they must have.
    texts
        The files' contents, for a worker that does not share the submitting machine's
        disk (:func:`shipped`; the Dask backend sends them); empty: the worker reads
        ``files`` from its own disk.
    """

    run_id: str
    spec: RunSpec
    files: tuple[str, ...]
    sha256: str
    texts: tuple[bytes, ...] = ()


@dataclass(frozen=True)
class RunRecord:
    """What a worker hands back.

    Attributes
    ----------
    run_id
        The task's id.
    figures
        :data:`RECORD_FIGURES` of a successful run; empty if it failed.
    error
        ``""`` on success, else one line: exception type, message and where it was raised.
    runtime_s
        Wall-clock seconds the run took on its worker.
    arrays
        The outcome's count arrays as nested lists (:meth:`RunOutcome.arrays`), for
        commands that need more than the headline figures (``compare``).
    """

    run_id: str
    figures: dict[str, float]
    error: str
    runtime_s: float
    arrays: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the run succeeded."""
        return not self.error


def describe_error(exc: BaseException) -> str:
    """One line for a failed run: ``Type: message (at file:line in function)``."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        last = frames[-1]
        text += f" (at {Path(last.filename).name}:{last.lineno} in {last.name})"
    return text


SHIPPED_DIR = "crosspaths-runs"
"""Folder of the temporary directory where a worker keeps the files of shipped tasks
(:func:`local_copy`), one subfolder per :func:`files_digest`."""


def shipped(task: RunTask, texts: dict[str, tuple[bytes, ...]] | None = None) -> RunTask:
    """``task`` with its files' contents and absolute paths, for a worker elsewhere.

    ``texts``: contents already read (by digest and paths), shared across the tasks of
    one batch, so that each scenario's files are read once; filled here. Contents that no longer
    match the digest (a file edited since the batch was planned) are sent as they are:
    the worker then fails the run as it would with the edited file on its own disk.
    """
    files = tuple(os.path.abspath(f) for f in task.files)
    cache = {} if texts is None else texts
    key = f"{task.sha256}:{'|'.join(files)}"
    if key not in cache:
        try:
            cache[key] = tuple(Path(f).read_bytes() for f in files)
        except OSError:  # gone since the batch was planned: the worker reports it
            return task
    spec = replace(task.spec, layout=os.path.abspath(task.spec.layout))
    return replace(task, spec=spec, files=files, texts=cache[key])


def local_copy(task: RunTask) -> tuple[RunSpec, tuple[str, ...], Path]:
    """Write a shipped task's files on this machine and point its spec at them.

    The files go under :data:`SHIPPED_DIR` of the temporary directory, in a folder named
    by their digest, each at its path on the submitting machine below it, so that a
    variant's ``extends`` finds its base there as it did there. Written once per
    machine and digest (replaced atomically, so that workers sharing the folder never
    read a half-written file), and left for later runs of the same files.

    Returns the spec, the copies' paths and the folder (to be taken out of messages).
    """
    root = Path(tempfile.gettempdir()) / SHIPPED_DIR / task.sha256

    def here(name: str) -> Path:
        path = Path(name)
        return root / path.relative_to(path.anchor)

    copies = []
    for name, text in zip(task.files, task.texts, strict=True):
        dest = here(name)
        if not (dest.is_file() and dest.read_bytes() == text):
            dest.parent.mkdir(parents=True, exist_ok=True)
            part = dest.with_name(f".{dest.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            part.write_bytes(text)
            os.replace(part, dest)
        copies.append(str(dest))
    return replace(task.spec, layout=str(here(task.spec.layout))), tuple(copies), root


def execute(task: RunTask, runner: Runner = run_spec) -> RunRecord:
    """Run one task and report its figures or its error (runs in the worker).

    Parameters
    ----------
    task
        The run.
    runner
        Function that runs a spec.

    Returns
    -------
    RunRecord
        Never raises for a failing run; interrupts (``KeyboardInterrupt``) pass through.
    """
    t0 = time.perf_counter()
    spec, files, root = task.spec, task.files, None
    try:
        if task.texts:
            spec, files, root = local_copy(task)
        if files_digest(files) != task.sha256:
            raise CrosspathsInputError(
                "the scenario's files differ from the ones the sweep started with "
                "(edited since, or another version on this worker)",
                file=task.spec.layout,
            )
        outcome = runner(spec)
        figures: dict[str, float] = {
            k: (int if k in COUNT_FIGURES else float)(v) for k, v in outcome.figures.items()
        }
        arrays = outcome.arrays()
    except Exception as exc:  # a failing run is a result to record, not a reason to stop
        error = describe_error(exc)
        if root is not None:  # the files as the submitting machine names them
            error = error.replace(str(root), "")
        return RunRecord(task.run_id, {}, error, time.perf_counter() - t0)
    return RunRecord(task.run_id, figures, "", time.perf_counter() - t0, arrays)


def lost(task: RunTask, why: str) -> RunRecord:
    """Record of a run whose worker could not report back."""
    return RunRecord(task.run_id, {}, why, 0.0)


class Backend(Protocol):
    """Runs tasks somewhere and yields their records as they finish."""

    description: str

    def results(self, tasks: Iterable[RunTask]) -> Generator[RunRecord, None, None]:
        """Yield one record per task, in order of completion; ``close()`` cancels the rest."""
        ...

    def close(self) -> None:
        """Release workers and connections."""
        ...


class _Closing:
    """``with backend:`` closes the backend on the way out."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release workers and connections."""


class LocalPool(_Closing):
    """Runs in this process (one worker) or in a pool of spawned worker processes.

    Parameters
    ----------
    workers
        Number of processes; 1 runs everything in this process.
    runner
        Function run on each spec (picklable: a module-level function).
    """

    def __init__(self, workers: int, runner: Runner = run_spec) -> None:
        self.workers = max(1, int(workers))
        self.description = (
            "this process" if self.workers == 1 else f"{self.workers} local worker processes"
        )
        self._runner = runner

    def close(self) -> None:
        """Nothing to release: each :meth:`results` call owns its pool."""

    def _pool(self) -> ProcessPoolExecutor:
        return local_pool(self.workers)

    def results(self, tasks: Iterable[RunTask]) -> Generator[RunRecord, None, None]:
        """Yield a record per task as runs finish.

        If a worker process dies, the runs then in flight are recorded as failed and a
        new pool takes the remaining ones. Closing the generator (an interrupt) cancels
        the runs not started and waits for those running.
        """
        if self.workers == 1:
            for task in tasks:
                yield execute(task, self._runner)
            return
        queue = deque(tasks)
        in_flight: dict[Future[RunRecord], RunTask] = {}
        pool = self._pool()
        try:
            while queue or in_flight:
                broken = False
                while queue and len(in_flight) < self.workers and not broken:
                    try:
                        fut = pool.submit(execute, queue[0], self._runner)
                    except BrokenProcessPool:
                        # A worker died since the last wait; the task never started.
                        broken = True
                    else:
                        in_flight[fut] = queue.popleft()
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED) if in_flight else ((), ())
                for fut in done:
                    record = _settle(fut, in_flight.pop(fut))
                    broken = broken or record.error == _DIED
                    yield record
                if broken:
                    # A broken pool resolves all its futures at once: finished runs keep
                    # their results, the rest are lost with the pool.
                    wait(in_flight)
                    for fut, task in in_flight.items():
                        yield _settle(fut, task)
                    in_flight.clear()
                    pool.shutdown(wait=True, cancel_futures=True)
                    pool = self._pool()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


_DIED = "worker process died during the run (killed, out of memory, or crashed)"


def _settle(fut: Future[RunRecord], task: RunTask) -> RunRecord:
    """The record of a finished future: its result, or why the run was lost."""
    try:
        return fut.result()
    except BrokenProcessPool:
        return lost(task, _DIED)
    except Exception as exc:  # e.g. a result that cannot be unpickled
        return lost(task, describe_error(exc))


class DaskScheduler(_Closing):
    """Runs on an existing ``dask.distributed`` cluster.

    Parameters
    ----------
    address
        The scheduler, e.g. ``tcp://10.0.0.5:8786``.
    runner
        Function run on each spec; workers must be able to import it.

    Raises
    ------
    CrosspathsInputError
        If Dask is not installed or the scheduler cannot be reached.
    """

    def __init__(self, address: str, runner: Runner = run_spec) -> None:
        distributed = import_distributed()
        try:
            self._client: Any = distributed.Client(address, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as exc:
            raise CrosspathsInputError(
                f"cannot reach the Dask scheduler at {address}: {' '.join(str(exc).split())}",
                path="--scheduler",
            ) from None
        self._as_completed = distributed.as_completed
        self._runner = runner
        workers = self._client.scheduler_info().get("workers", {})
        self.description = f"Dask scheduler {address} ({len(workers)} workers now)"

    def close(self) -> None:
        """Disconnect from the scheduler (the cluster keeps running)."""
        self._client.close()

    def results(self, tasks: Iterable[RunTask]) -> Generator[RunRecord, None, None]:
        """Submit every task and yield records as they finish.

        The scheduler queues tasks itself; the parent keeps one future per run not yet
        reported and drops it as soon as the run is recorded. Closing the generator
        cancels the runs not yet finished.
        """
        pending: dict[Any, RunTask] = {}
        texts: dict[str, tuple[bytes, ...]] = {}
        for task in tasks:
            # The files go with the task: a worker need not see the submitter's disk.
            # pure=False: a run is never served from a cache of an earlier identical task.
            fut = self._client.submit(execute, shipped(task, texts), self._runner, pure=False)
            pending[fut] = task
        try:
            for fut in self._as_completed(list(pending)):
                task = pending.pop(fut)
                try:
                    record = fut.result()
                except Exception as exc:  # KilledWorker, a lost connection, ...
                    record = lost(task, describe_error(exc))
                fut.release()
                yield record
        finally:
            if pending:
                self._client.cancel(list(pending))


def import_distributed() -> Any:
    """``dask.distributed``, imported only when a cluster is asked for.

    Raises
    ------
    CrosspathsInputError
        With the install command, if Dask is not installed.
    """
    try:
        return importlib.import_module("distributed")
    except ImportError:
        raise CrosspathsInputError(
            "--scheduler needs Dask: pip install 'crosspaths[dask]' "
            '(or pip install "dask[distributed]")',
            path="--scheduler",
        ) from None


def open_backend(workers: int | None, scheduler: str | None) -> LocalPool | DaskScheduler:
    """The backend the command line asks for.

    Parameters
    ----------
    workers
        Local processes; default: the machine's cores.
    scheduler
        Address of a Dask scheduler; when given, ``workers`` is ignored.

    Returns
    -------
    LocalPool or DaskScheduler
    """
    if scheduler:
        return DaskScheduler(scheduler)
    return LocalPool(workers or os.cpu_count() or 1)
