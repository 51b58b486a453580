"""Page reading behind a small interface, so the table logic never depends on which PDF
library produced the objects: a page is its size, its words and its ruling segments."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

# A rectangle thinner than this is a drawn line (Word/LibreOffice draw borders both ways).
THIN = 2.0


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(frozen=True, slots=True)
class Segment:
    """A horizontal (y0 == y1) or vertical (x0 == x1) ruling segment."""
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def horizontal(self) -> bool:
        return (self.x1 - self.x0) >= (self.y1 - self.y0)


@dataclass(slots=True)
class PageContent:
    number: int  # 1-based
    width: float
    height: float
    words: list[Word]
    segments: list[Segment]
    n_images: int = 0


def segments(lines: list[tuple], rects: list[tuple]) -> list[Segment]:
    """Ruling segments from drawn lines (x0, x1, top, bottom) and rectangles (x0, x1, top, bottom,
    stroked): a thin rectangle is a line, a stroked box gives its four edges. Shared by the readers
    so they see the same grid."""
    out: list[Segment] = []
    for x0, x1, y0, y1 in lines:
        x0, x1 = sorted((x0, x1))
        y0, y1 = sorted((y0, y1))
        if x1 - x0 >= y1 - y0:
            y = (y0 + y1) / 2
            out.append(Segment(x0, y, x1, y))
        else:
            x = (x0 + x1) / 2
            out.append(Segment(x, y0, x, y1))
    for x0, x1, y0, y1, stroke in rects:
        w, h = x1 - x0, y1 - y0
        if h <= THIN and w > THIN:
            y = (y0 + y1) / 2
            out.append(Segment(x0, y, x1, y))
        elif w <= THIN and h > THIN:
            x = (x0 + x1) / 2
            out.append(Segment(x, y0, x, y1))
        elif w > THIN and h > THIN and stroke:
            out += [Segment(x0, y0, x1, y0), Segment(x0, y1, x1, y1),
                    Segment(x0, y0, x0, y1), Segment(x1, y0, x1, y1)]
    return out


def _plumber_segments(page) -> list[Segment]:
    return segments([(ln["x0"], ln["x1"], ln["top"], ln["bottom"]) for ln in page.lines],
                    [(r["x0"], r["x1"], r["top"], r["bottom"], bool(r.get("stroke"))) for r in page.rects])


class PageLimitExceeded(Exception):
    def __init__(self, n_pages: int, limit: int):
        super().__init__(f"too many pages: {n_pages} (limit {limit})")


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


def open_pages(path: Path, max_pages: int = 0, reader: str = "pdfplumber", ocr_threads: int = 1) -> Iterator[PageContent]:
    """The pages through the chosen reader; every reader yields the same PageContent."""
    if reader == "pdfplumber":
        return read_pdf(path, max_pages)
    if reader == "pdfium":
        from .reader_pdfium import read_pdf as read_pdfium
        return read_pdfium(path, max_pages)
    if reader == "ocr":
        from .ocr import read_pdf as read_ocr
        return read_ocr(path, max_pages, threads=ocr_threads)
    raise ValueError(f"unknown reader {reader!r} (pdfium, pdfplumber or ocr)")
