"""Where the parallel work of a run goes: forked, guarded processes on this machine, or a Dask cluster.

An executor does two things: parse PDFs (each writes the same payload file whichever executor ran,
so the published tables are byte-identical) and map a function over blocks of shared data (the
normalise stage's pair decisions, whose work grows with the square of the catalogue). Dask tasks
receive the PDF's bytes and the shared data by value, so workers need no shared disk."""
from __future__ import annotations

import multiprocessing
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from pipeline.core.progress import Tracker
from pipeline.core.settings import Settings
from pipeline.parse.cache import write_payload
from pipeline.run.pool import GuardedPool, parse_payload

_SHARED: object = None  # the data of the blocks under way; forked workers inherit it


def _call_shared(job: tuple[Callable, object]):
    fn, item = job
    return fn(_SHARED, item)


class Parsed(Protocol):
    """Told in the driver when a parse of (pdf, payload file) jobs begins, ends, and when the run is
    over (wait). The runner passes the report's picture Drawer here, so no executor imports the report."""

    def begin(self, jobs: list[tuple[Path, Path]]) -> None: ...

    def end(self) -> None: ...

    def wait(self) -> None: ...


@contextmanager
def _watched(after_file: Parsed | None, jobs: list[tuple[Path, Path]]):
    """`after_file` told of the parse of `jobs`: begun before any worker starts, ended after."""
    if after_file is not None:
        after_file.begin(jobs)
    try:
        yield
    finally:
        if after_file is not None:
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
        with _watched(self.after_file, jobs):
            GuardedPool(self.settings).run(jobs, tracker)

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


def _payload_from_bytes(name: str, data: bytes, settings: Settings) -> dict:
    with tempfile.TemporaryDirectory(prefix="iki-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        return parse_payload(path, settings)


class DaskExecutor:
    """The scheduler given (or a LocalCluster with `workers` processes), connected on first use,
    so a run with nothing to parse or decide starts no cluster. Files are parsed where the cluster
    is; `after_file` is told here, in the driver, and sees each payload as it is written back."""

    def __init__(self, settings: Settings, after_file: Parsed | None = None):
        self.settings = settings
        self.after_file = after_file
        self._client = self._cluster = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        if self.after_file is not None:
            self.after_file.wait()
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
        """One task per PDF."""
        if not jobs:
            return
        from dask.distributed import as_completed  # noqa: PLC0415

        with _watched(self.after_file, jobs):  # begun before the client: forked before its threads
            futures = {self.client.submit(_payload_from_bytes, pdf.name, pdf.read_bytes(), self.settings,
                                          pure=False): (pdf, out) for pdf, out in jobs}
            for fut in as_completed(futures):
                pdf, out = futures[fut]
                write_payload(out, fut.result())
                tracker.file_done(pdf)

    def map_blocks(self, fn: Callable, shared, items: list) -> list:
        """One task per item; `shared` is sent to every worker once."""
        [data] = self.client.scatter([shared], broadcast=True)
        return self.client.gather(self.client.map(fn, [data] * len(items), items, pure=False))


Executor = LocalExecutor | DaskExecutor
EXECUTORS: dict[str, type[Executor]] = {"local": LocalExecutor, "dask": DaskExecutor}
