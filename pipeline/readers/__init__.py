"""Page readers behind one interface: each turns a PDF into PageContent pages, so the parse never
depends on which library produced them. `READERS` is the registry; `open_pages` the one entry."""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Iterator

from pipeline.core.model import PageContent

# name -> module with read_pdf(path, max_pages, **options); imported on first use, so the PDFium path
# never loads pdfminer and a text run never loads OpenCV.
READERS = {"pdfium": "pipeline.readers.pdfium", "pdfplumber": "pipeline.readers.plumber",
           "ocr": "pipeline.readers.ocr"}
DEFAULT_READER = "pdfium"


def open_pages(path: Path, max_pages: int = 0, reader: str = DEFAULT_READER,
               ocr_threads: int = 1) -> Iterator[PageContent]:
    """The pages through the chosen reader; every reader yields the same PageContent."""
    if reader not in READERS:
        raise ValueError(f"unknown reader {reader!r} ({', '.join(READERS)})")
    module = importlib.import_module(READERS[reader])
    if reader == "ocr":
        return module.read_pdf(path, max_pages, threads=ocr_threads)
    return module.read_pdf(path, max_pages)
