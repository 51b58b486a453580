"""What a run found: its counts, warnings and failures. Shared by the run (which fills it) and the
report (which shows it), so neither imports the other."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Failure:
    """A file that failed, or a unit of it withheld: where exactly (page, position, indicator, cell)."""
    file: str
    sha256: str
    stage: str
    page: int | None
    reason: str
    detail: str = ""
    position_no: int | None = None
    indicator_no: int | None = None
    cell: str = ""  # the column of the offending cell


@dataclass
class RunResult:
    files: int = 0
    pages: int = 0
    positions: int = 0
    indicators: int = 0
    parsed: int = 0  # parsed now (not from the cache)
    cached: int = 0
    warnings: list[dict] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    records: list[dict] = field(default_factory=list)
    published: bool = False
    seconds: float = 0.0
    critical: list[str] = field(default_factory=list)
    validation: list[str] = field(default_factory=list)  # the validation report's lines
    review: int = 0  # uncertain matches waiting in interim/review.csv
    scoring: list[str] = field(default_factory=list)  # the score stage's report lines
    normalise_warnings: list[str] = field(default_factory=list)
    unchanged: bool = False  # nothing changed since the last publish: stages skipped
    partitions: tuple[int, int] = (0, 0)  # LAYOUT=dataset: partition files (written, kept from the last version)
    withheld: dict[str, int] = field(default_factory=lambda: {"decrees": 0, "positions": 0})  # by validation
    refused: str = ""  # why nothing was published though no expectation failed the run (--strict, all withheld)

    @property
    def exit_code(self) -> int:
        """1 when anything was withheld, failed or refused: CI notices, the rest is published."""
        return 1 if self.failures or self.critical or self.refused else 0
