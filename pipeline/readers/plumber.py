"""The reference reader: pdfplumber (pdfminer) words and ruling lines as PageContent."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from pipeline.core.errors import PageLimitExceeded
from pipeline.core.model import PageContent, Segment, Word, segments

def _plumber_segments(page) -> list[Segment]:
    return segments([(ln["x0"], ln["x1"], ln["top"], ln["bottom"]) for ln in page.lines],
                    [(r["x0"], r["x1"], r["top"], r["bottom"], bool(r.get("stroke"))) for r in page.rects])



def read_pdf(path: Path, max_pages: int = 0) -> Iterator[PageContent]:
    """Yield pages one at a time so memory stays flat on long decrees. pdfplumber (and pdfminer,
    its crypto and image libraries) is imported here, not with the module: the PDFium path never
    loads it."""
    import pdfplumber  # noqa: PLC0415

    with pdfplumber.open(path) as pdf:
        if max_pages and len(pdf.pages) > max_pages:
            raise PageLimitExceeded(len(pdf.pages), max_pages)
        for i, page in enumerate(pdf.pages, 1):
            words = [
                Word(w["text"], w["x0"], w["x1"], w["top"], w["bottom"], float(w["size"]),
                     "bold" in w["fontname"].lower())
                for w in page.extract_words(x_tolerance=1.5, y_tolerance=2, keep_blank_chars=False,
                                            extra_attrs=["size", "fontname"])
            ]
            yield PageContent(i, float(page.width), float(page.height), words, _plumber_segments(page),
                              len(page.images))
            page.flush_cache()
