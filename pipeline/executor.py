"""Where parsing runs: forked, guarded children on this machine, or a Dask cluster.

Both write the same payload file for each PDF, so the published tables are byte-identical
whichever executor ran. Dask tasks receive the PDF's bytes, so workers need no shared disk."""
from __future__ import annotations

import tempfile
from pathlib import Path

from .guard import parse_guarded, parse_payload, write_payload
from .progress import Tracker
from .settings import Settings


def parse_local(jobs: list[tuple[Path, Path]], settings: Settings, tracker: Tracker) -> None:
    parse_guarded(jobs, settings, tracker)


def _payload_from_bytes(name: str, data: bytes, settings: Settings) -> dict:
    with tempfile.TemporaryDirectory(prefix="iki-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        return parse_payload(path, settings)


def parse_dask(jobs: list[tuple[Path, Path]], settings: Settings, tracker: Tracker) -> None:
    """One task per PDF on the scheduler given (or a LocalCluster with `workers` processes)."""
    from dask.distributed import Client, LocalCluster, as_completed

    if settings.scheduler:
        client, cluster = Client(settings.scheduler), None
    else:
        cluster = LocalCluster(n_workers=settings.n_workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        futures = {client.submit(_payload_from_bytes, pdf.name, pdf.read_bytes(), settings, pure=False): (pdf, out)
                   for pdf, out in jobs}
        for fut in as_completed(futures):
            pdf, out = futures[fut]
            write_payload(out, fut.result())
            tracker.file_done(pdf)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


EXECUTORS = {"local": parse_local, "dask": parse_dask}
