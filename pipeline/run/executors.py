"""Where the parallel work of a run goes: forked, guarded processes on this machine, or a Dask cluster.

An executor does two things: parse PDFs (each writes the same payload file whichever executor ran,
so the published tables are byte-identical) and map a function over blocks of shared data (the
normalise stage's pair decisions, whose work grows with the square of the catalogue). Dask tasks
receive the PDFs' bytes and the shared data by value and send back the payload files' bytes, so
workers need no shared disk."""
from __future__ import annotations

import multiprocessing
import tempfile
import threading
import traceback
from collections import deque
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from pipeline.core.progress import Tracker
from pipeline.core.settings import Settings
from pipeline.parse.cache import RETRY, encode_payload, write_payload
from pipeline.run.pool import GuardedPool, parse_payload

_SHARED: object = None  # the data of the blocks under way; forked workers inherit it


def _call_shared(job: tuple[Callable, object]):
    fn, item = job
    return fn(_SHARED, item)


class Parsed(Protocol):
    """Told in the driver when a parse of (pdf, payload file) jobs begins, when each job's payload
    is written (its index), when the parse ends, and when the run needs what it made (wait). The
    runner passes the report's picture Drawer here, so no executor imports the report."""

    def begin(self, jobs: list[tuple[Path, Path]]) -> None: ...

    def done(self, k: int) -> None: ...

    def end(self) -> None: ...

    def wait(self) -> None: ...


@contextmanager
def _watched(after_file: Parsed | None, jobs: list[tuple[Path, Path]], tracker: Tracker):
    """`tracker`, telling `after_file` too of each file done: begun before any worker starts, ended after."""
    if after_file is None:
        yield tracker
        return
    after_file.begin(jobs)
    index = {pdf: k for k, (pdf, _) in enumerate(jobs)}

    def file_done(pdf: Path) -> None:
        tracker.file_done(pdf)
        after_file.done(index[pdf])

    try:
        yield Tracker(file_done, tracker.pages_read)
    finally:
        after_file.end()


class LocalExecutor:
    """Forked processes on this machine: guarded parse workers (the driver tells `after_file` of
    their parse), and a pool for blocks."""

    def __init__(self, settings: Settings, after_file: Parsed | None = None):
        self.settings = settings
        self.after_file = after_file

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        if self.after_file is not None:
            self.after_file.wait()

    def parse(self, jobs: list[tuple[Path, Path]], tracker: Tracker) -> None:
        with _watched(self.after_file, jobs, tracker) as watched:
            GuardedPool(self.settings).run(jobs, watched)

    def release(self) -> None:
        """Nothing to let go: each parse and map has its own pool."""

    def map_blocks(self, fn: Callable, shared, items: list) -> list:
        """[fn(shared, item) for item in items], in that order, shared among `workers` forked
        processes (forked: they inherit `shared` instead of receiving a copy per block)."""
        workers = self.settings.n_workers
        if workers < 2 or len(items) < 2:
            return [fn(shared, item) for item in items]
        global _SHARED
        _SHARED = shared
        try:
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                return list(pool.map(_call_shared, [(fn, item) for item in items]))
        finally:
            _SHARED = None


BATCH = 16  # files per Dask task at most: one task per file cost the scheduler more than a short parse


def _lost(exc: BaseException) -> dict:
    """The failure of a file whose task failed: its workers died on it (the file's verdict, cached),
    or anything else (the cluster's or this program's: read again next run)."""
    detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:500]
    if type(exc).__name__ == "KilledWorker":
        return {"ok": False, "page": None, "detail": detail,
                "reason": "the PDF library crashed on this file (the Dask workers given it died)"}
    return {"ok": False, "page": None, "detail": detail, RETRY: True,
            "reason": "the Dask task of this file failed: not the file's fault, read again next run"}


def _parse_batch(files: list[tuple[str, bytes]], settings: Settings) -> list[bytes]:
    """A Dask task: each (name, PDF bytes) parsed in a temporary folder, its payload file's bytes back."""
    out = []
    with tempfile.TemporaryDirectory(prefix="iki-") as tmp:
        for name, data in files:
            path = Path(tmp) / name
            path.write_bytes(data)
            out.append(encode_payload(parse_payload(path, settings)))
            path.unlink()
    return out


def batches(jobs: list, workers: int) -> list[list]:
    """The jobs (biggest first) in consecutive batches of at most BATCH, at least 4 per worker thread
    where there are enough jobs, so no thread is left waiting on a long last batch."""
    size = max(1, min(BATCH, len(jobs) // (4 * max(1, workers))))
    return [jobs[i:i + size] for i in range(0, len(jobs), size)]


class DaskExecutor:
    """The scheduler given (or a LocalCluster with `workers` processes), connected on first use,
    so a run with nothing to parse or decide starts no cluster. Files are parsed where the cluster
    is; `after_file` is told here, in the driver, and sees each payload as it is written back."""

    def __init__(self, settings: Settings, after_file: Parsed | None = None):
        self.settings = settings
        self.after_file = after_file
        self._client = self._cluster = None
        self._closing: threading.Thread | None = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        if self.after_file is not None:
            self.after_file.wait()
        if self._closing is None:
            self._close()
        else:
            self._closing.join()

    def release(self) -> None:
        """The run gives no more work: the client and the cluster it started are closed in the
        background (half a second of waiting on the workers' exit), while the run writes its
        report; leaving the executor waits for that."""
        if self._closing is None and self._client is not None:
            self._closing = threading.Thread(target=self._close, name="iki-dask-close")
            self._closing.start()

    def _close(self) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    @property
    def client(self):
        if self._client is None:
            from dask.distributed import Client, LocalCluster  # noqa: PLC0415 - only runs that ask for Dask

            if self.settings.scheduler:
                self._client = Client(self.settings.scheduler)
            else:
                self._cluster = LocalCluster(n_workers=self.settings.n_workers, threads_per_worker=1,
                                             processes=True, dashboard_address=None)
                self._client = Client(self._cluster)
        return self._client

    def parse(self, jobs: list[tuple[Path, Path]], tracker: Tracker) -> None:
        """Batches of PDFs, a few tasks per worker thread in flight (so the PDFs are read as they are
        sent, not all at once). A batch whose worker died is sent again one file per task, and a file
        whose worker died alone gets that failure: a crash costs that file only, as in the local pool."""
        if not jobs:
            return
        from dask.distributed import as_completed  # noqa: PLC0415

        with _watched(self.after_file, jobs, tracker) as watched:  # begun before the client: forked before its threads
            threads = sum(self.client.nthreads().values()) or 1
            todo = deque(batches(jobs, threads))
            running: dict = {}
            done = as_completed()

            def submit(batch: list[tuple[Path, Path]]) -> None:
                files = [(pdf.name, pdf.read_bytes()) for pdf, _ in batch]
                fut = self.client.submit(_parse_batch, files, self.settings, pure=False)
                running[fut] = batch
                done.add(fut)

            while todo and len(running) < 2 * threads:
                submit(todo.popleft())
            for fut in done:
                batch = running.pop(fut)
                if fut.status == "finished":
                    payloads = fut.result()
                elif len(batch) > 1:
                    todo.extendleft([job] for job in reversed(batch))
                    payloads = []
                else:
                    payloads = [encode_payload(_lost(fut.exception()))]
                for (pdf, out), data in zip(batch, payloads):
                    write_payload(out, data)
                    watched.file_done(pdf)
                while todo and len(running) < 2 * threads:
                    submit(todo.popleft())

    def map_blocks(self, fn: Callable, shared, items: list) -> list:
        """One task per item; `shared` is sent to every worker once."""
        [data] = self.client.scatter([shared], broadcast=True)
        return self.client.gather(self.client.map(fn, [data] * len(items), items, pure=False))


Executor = LocalExecutor | DaskExecutor
EXECUTORS: dict[str, type[Executor]] = {"local": LocalExecutor, "dask": DaskExecutor}
