"""All run options in one place; the CLI and the Makefile fill it, stages only read it.

The expectation suites and the reference files (aliases.csv, scoring.yaml) ship inside the package
(pipeline/defaults). A project overrides them folder by folder: an `expectations/` or `reference/`
folder in the working directory, or one given by flag, is used whole instead of the package's, so
the folder a data officer edits is exactly what the run reads."""
from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]  # the checkout (docs, benchmarks); an installed tool never needs it
# pip installs a package as plain files, so this is a real folder (the validator process and GX take paths)
DEFAULTS = Path(str(resources.files("pipeline") / "defaults"))
DEFAULT_EXPECTATIONS = DEFAULTS / "expectations"
DEFAULT_REFERENCE = DEFAULTS / "reference"


@dataclass(frozen=True)
class Settings:
    raw: Path = Path("raw")
    interim: Path = Path("interim")
    curated: Path = Path("curated")
    reports: Path = Path("reports")
    reference: Path = DEFAULT_REFERENCE  # aliases.csv, scoring.yaml; ./reference instead when there
    expectations: Path = DEFAULT_EXPECTATIONS  # the suites; ./expectations instead when there
    realisasi: Path = Path("realisasi")  # filled realisation workbooks/CSVs to score
    policy: Path | None = None  # None: <reference>/scoring.yaml
    workers: int = 0  # 0: one per core
    reader: str = "pdfium"  # page reader: pdfium (fast, default) or pdfplumber (the reference, see crosscheck)
    executor: str = "local"  # local (forked, guarded processes) or dask
    scheduler: str | None = None  # dask scheduler address; None starts a LocalCluster
    layout: str = "files"  # files: curated/<table>.parquet; dataset: also curated/dataset/<table>/decree_id=…/
    time_limit: float = 300.0  # seconds a PDF may go without reading a page (guard.parse_guarded)
    memory_limit_mb: int = 2048  # heap (RLIMIT_DATA) a parsing process may add to what it forked with
    max_pages: int = 2000
    max_file_mb: int = 200

    def __post_init__(self):
        reference = _project_or_default(self.reference, "reference", DEFAULT_REFERENCE)
        object.__setattr__(self, "reference", reference)
        object.__setattr__(self, "expectations",
                           _project_or_default(self.expectations, "expectations", DEFAULT_EXPECTATIONS))
        object.__setattr__(self, "policy", Path(self.policy) if self.policy else reference / "scoring.yaml")

    @property
    def aliases(self) -> Path:
        return self.reference / "aliases.csv"

    def inputs_line(self) -> str:
        """Which suites and reference files a run reads, for its summary."""
        line = f"suites: {_shown(self.expectations)}; reference: {_shown(self.reference)}"
        return line if self.policy == self.reference / "scoring.yaml" else f"{line}; policy: {self.policy}"

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


def _project_or_default(given: Path, name: str, default: Path) -> Path:
    """The folder given (by flag); else the project's own in the working directory; else the package's."""
    if Path(given) != default:
        return Path(given)
    return Path(name) if Path(name).is_dir() else default


def _shown(folder: Path) -> str:
    if folder in (DEFAULT_EXPECTATIONS, DEFAULT_REFERENCE):
        return "package defaults"
    return str(folder) if folder.is_absolute() else f"./{folder}"
