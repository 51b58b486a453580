"""The page model every reader produces and the parse consumes: a page is its size, its words and
its ruling segments, in upright page coordinates (points, origin top left)."""
from __future__ import annotations

from dataclasses import dataclass

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
    # degrees clockwise the page as displayed (its /Rotate applied) was turned for its text to read
    # upright: non-zero when content is drawn turned; a picture of the page must be turned as much
    turned: int = 0
    # why the reader could not load this page (its page object is broken): the page stands empty
    # in its place, so the pages after it keep their numbers and the parse warns of it
    unreadable: str = ""


def axis_quad(pts: list, tol: float = 1e-3) -> bool:
    """A closed four-sided path with axis-parallel sides: a rectangle. Within `tol` points, not
    exactly as pdfminer asks: a page turned by a matrix written with cos 90° = 6e-17 leaves such
    errors, and would otherwise lose every border drawn as a filled rectangle."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3), (x4, y4) = pts[:5]

    def near(a: float, b: float) -> bool:
        return abs(a - b) <= tol

    return near(x0, x4) and near(y0, y4) and (
        (near(x0, x1) and near(y1, y2) and near(x2, x3) and near(y3, y0))
        or (near(y0, y1) and near(x1, x2) and near(y2, y3) and near(x3, x0)))


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
