"""Progress bars on a terminal (files and pages), silence in CI logs."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)


@dataclass
class Tracker:
    """What the parse loop reports: a file finished, or the pages read so far in all files."""
    file_done: object = lambda *_: None
    pages_read: object = lambda *_: None


def _pages(pdfs: list[Path]) -> int:
    import pypdfium2 as pdfium  # noqa: PLC0415 - only for a bar on a terminal

    total = 0
    for p in pdfs:
        try:
            doc = pdfium.PdfDocument(str(p))
            total += len(doc)
            doc.close()
        except Exception:  # noqa: BLE001 - a bad file is the parser's to report
            pass
    return total


@contextmanager
def progress(pdfs: list[Path]):
    """Yields a Tracker; draws a files bar and a pages bar only when stderr is a terminal."""
    if not pdfs or not sys.stderr.isatty():
        yield Tracker()
        return
    with Progress(TextColumn("{task.description:>6}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  transient=True) as bar:
        files = bar.add_task("files", total=len(pdfs))
        pages = bar.add_task("pages", total=_pages(pdfs))
        yield Tracker(lambda *_: bar.advance(files), lambda n: bar.update(pages, completed=n))
