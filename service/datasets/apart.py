"""An upload's heavy work (parse, profile, split, checks) in a process of its own, under a memory limit.

Inspecting a big table takes seconds of pure Python and numpy, which in the API process would hold its GIL:
every other request, and the in-process worker's heartbeat, would wait. Here the request's thread hands the
work to a small pool of processes and waits on a pipe, which releases the GIL. The pool is started on first
use (not at import: `readiness --help` and the tests that never upload pay nothing) with the `forkserver`
context — never a plain fork of the multi-threaded server, whose locks a forked child may inherit held — and
each process imports the pipeline once, in its initializer, then serves upload after upload.

Each task runs under RLIMIT_DATA (private writable memory: what numpy, pandas and Arrow allocate), set in the
child for that task and lifted after it: `base_bytes` plus whatever the caller allows for the table. Not
RLIMIT_AS: the address space counts reservations (thread stacks, malloc arenas, OpenBLAS buffers) that never
take memory, so a limit on it refuses small tables on one machine and not on another. A task past the limit
gets a `MemoryError` (answered as `NeedsMoreMemory`); a process killed outright breaks the pool, which is
answered the same way and replaced, so the next upload finds a working pool.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import multiprocessing
import resource
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from workers.errors import DataError

logger = logging.getLogger(__name__)

T = TypeVar("T")

POOL_PROCESSES = 2  # uploads inspected at once; more wait their turn (each may take the memory limit)
# Modules every inspection needs, imported once per pooled process instead of on its first upload.
PRELOAD = ("service.datasets.intake", "workers.preparation", "workers.data.loading", "pyarrow.parquet")


class NeedsMoreMemory(DataError):
    """The table needs more memory than an upload may use on this server."""

    code = "upload_needs_more_memory"
    http_status = 413


def _preload() -> None:
    import importlib

    for module in PRELOAD:
        importlib.import_module(module)


def data_in_use() -> int:
    """This process's private writable memory now, in bytes (VmData: what RLIMIT_DATA is compared against)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    return 0


def _limited(
    limit_bytes: int | None, work: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> T:
    """Run `work` in the pooled process, its private memory capped at `limit_bytes` for this task only."""
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if limit_bytes is not None:
        cap = limit_bytes if hard == resource.RLIM_INFINITY else min(limit_bytes, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (max(cap, data_in_use()), hard))
    try:
        return work(*args, **kwargs)
    except Exception as error:
        if out_of_memory(error):
            raise NeedsMoreMemory() from None
        raise
    finally:
        gc.collect()
        _give_back_freed()
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def _give_back_freed() -> None:
    """Return freed heap to the system (glibc keeps it otherwise), so the next task starts from a lean
    process: its limit counts what the process holds, freed or not."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def out_of_memory(error: BaseException) -> bool:
    """Whether `error` comes of an allocation that failed: a `MemoryError` (numpy's, Arrow's), also when the
    loader wrapped it in a message about the file (pandas' CSV parser says "C error: out of memory")."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, MemoryError) or "out of memory" in str(seen).lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class ProcessPool:
    """A lazily started pool of `processes` pooled processes, replaced when one of them dies."""

    def __init__(self, processes: int = POOL_PROCESSES) -> None:
        self.processes = processes
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None

    def _current(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.processes,
                    mp_context=multiprocessing.get_context("forkserver"),
                    initializer=_preload,
                )
            return self._executor

    def _replace(self, spent: ProcessPoolExecutor) -> None:
        """Start afresh on the next task; what `spent` is running finishes there, then it shuts down."""
        with self._lock:
            if self._executor is spent:
                self._executor = None
        spent.shutdown(wait=False)

    def run(self, work: Callable[..., T], *args: Any, limit_bytes: int | None = None, **kwargs: Any) -> T:
        """`work(*args, **kwargs)` in a pooled process (both picklable, and so its answer and its errors:
        a `ReadinessError` raised there is raised here as itself). Past `limit_bytes` → `NeedsMoreMemory`."""
        executor = self._current()
        try:
            return executor.submit(_limited, limit_bytes, work, args, kwargs).result()
        except BrokenProcessPool:
            # The process died (killed for memory, most likely): answer this upload, and start afresh.
            logger.warning("an inspection process died; the pool is replaced")
            self._replace(executor)
            raise NeedsMoreMemory() from None
        except NeedsMoreMemory:
            # A process that ran out keeps much of what it took (a fragmented heap) and would refuse the next
            # upload under the same limit: the pool is replaced by lean processes.
            self._replace(executor)
            raise

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


POOL = ProcessPool()
