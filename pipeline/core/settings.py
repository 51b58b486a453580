"""All run options in one place; the CLI and the Makefile fill it, stages only read it."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]  # committed suites and reference files live here


@dataclass(frozen=True)
class Settings:
    raw: Path = Path("raw")
    interim: Path = Path("interim")
    curated: Path = Path("curated")
    reports: Path = Path("reports")
    reference: Path = PROJECT / "reference"
    expectations: Path = PROJECT / "expectations"
    realisasi: Path = Path("realisasi")  # filled realisation workbooks/CSVs to score
    policy: Path = PROJECT / "reference" / "scoring.yaml"
    workers: int = 0  # 0: one per core
    reader: str = "pdfium"  # page reader: pdfium (fast, default) or pdfplumber (the reference, see crosscheck)
    executor: str = "local"  # local (forked, guarded processes) or dask
    scheduler: str | None = None  # dask scheduler address; None starts a LocalCluster
    layout: str = "files"  # files: curated/<table>.parquet; dataset: also curated/dataset/<table>/decree_id=…/
    time_limit: float = 300.0  # seconds a PDF may go without reading a page (guard.parse_guarded)
    memory_limit_mb: int = 2048  # heap (RLIMIT_DATA) a parsing process may add to what it forked with
    max_pages: int = 2000
    max_file_mb: int = 200

    @property
    def n_workers(self) -> int:
        return self.workers or usable_cores()

    @property
    def parsed_dir(self) -> Path:
        return self.interim / "parsed"


def usable_cores() -> int:
    """The cores this process may run on (a container or taskset may allow fewer than the machine has)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)
