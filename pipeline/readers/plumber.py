"""The reference reader: pdfplumber (pdfminer) characters and ruling lines as PageContent, words by
the readers' shared rule (readers.words), so it and PDFium differ only in how they get characters.
pdfminer already applies /Rotate; content drawn turned is turned upright here."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np

from pipeline.core.errors import PageLimitExceeded
from pipeline.core.model import PageContent, Segment, Word, axis_quad, segments
from pipeline.readers.words import (
    build_words,
    quarter,
    reading_turn,
    turn_box,
    turned_size,
)


def _turned(objs: list[dict], turns: int, width: float, height: float) -> list[tuple]:
    """(x0, x1, top, bottom) of pdfplumber objects, turned into the reading frame."""
    if not objs:
        return []
    cols = np.array([(o["x0"], o["x1"], o["top"], o["bottom"]) for o in objs], dtype=np.float64).T
    if turns:
        cols = turn_box(*cols, turns, width, height)
    return list(zip(*(c.tolist() for c in cols)))


def _segments(page, turns: int, width: float, height: float) -> list[Segment]:
    """Lines and rectangles; a curve that is a rectangle within rounding counts as one, as in PDFium."""
    shapes = page.rects + [c for c in page.curves if "".join(op[0] for op in c.get("path") or ()) in
                           ("mlllh", "mllll") and axis_quad(c["pts"])]
    rects = [(*box, bool(r.get("stroke"))) for box, r in zip(_turned(shapes, turns, width, height), shapes)]
    return segments(_turned(page.lines, turns, width, height), rects)


def _words(chars: list[dict], turns: int, width: float, height: float) -> list[Word]:
    if not chars:
        return []
    x0, x1, top, bottom = (np.array(c) for c in zip(*_turned(chars, turns, width, height)))
    # pdfminer's size is the box's height as displayed: the font size only for upright chars
    size = np.array([c["size"] for c in chars]) if not turns else bottom - top
    keys: dict[tuple, int] = {}
    key = np.array([keys.setdefault((quarter(*c["matrix"][:2]), round(s, 3), c["fontname"]), len(keys))
                    for c, s in zip(chars, size.tolist())])
    texts = [c["text"] for c in chars]
    blank = np.array([t.isspace() for t in texts], dtype=bool)
    bold = np.array(["bold" in c["fontname"].lower() for c in chars])
    return build_words(texts, blank, x0, x1, top, size, key, bold)


def read_page(page, number: int) -> PageContent:
    """One page upright: the turn most characters need (quarter turns of their text matrices)."""
    width, height = float(page.width), float(page.height)
    chars = page.chars
    turns = reading_turn(np.array([quarter(*c["matrix"][:2]) for c in chars], dtype=np.int64),
                         np.ones(len(chars)))
    w, h = turned_size(turns, width, height)
    return PageContent(number, w, h, _words(chars, turns, width, height), _segments(page, turns, width, height),
                       len(page.images), 90 * turns)


def read_pdf(path: Path, max_pages: int = 0) -> Iterator[PageContent]:
    """Yield pages one at a time so memory stays flat on long decrees. pdfplumber (and pdfminer,
    its crypto and image libraries) is imported here, not with the module: the PDFium path never
    loads it."""
    import pdfplumber  # noqa: PLC0415

    with pdfplumber.open(path) as pdf:
        if max_pages and len(pdf.pages) > max_pages:
            raise PageLimitExceeded(len(pdf.pages), max_pages)
        for i, page in enumerate(pdf.pages, 1):
            yield read_page(page, i)
            page.flush_cache()
