"""Ruling lines to table grids, and words to lines: the page geometry the parse stage reads.

Columns and rows come from the table's own ruling lines, never from fixed coordinates, so any
page size, margin or column width works. A missing border inside a column is a vertically merged
cell; a horizontal segment that does not reach both borders of its column is not a grid line but
a rule inside a cell (a fraction bar or an underline)."""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter

from pipeline.core.model import Segment, Word

TOL = 2.0  # points; borders drawn by word processors meet within this
MIN_SEG = 4.0


@dataclass(slots=True)
class Line:
    """Words on one printed line, built once from its words: its bounds and text are computed
    then (the parser asks for them millions of times; slots make the asking cheaper)."""
    words: list[Word]
    page: int
    x0: float = field(init=False)
    x1: float = field(init=False)
    top: float = field(init=False)
    bottom: float = field(init=False)
    size: float = field(init=False)
    text: str = field(init=False)

    def __init__(self, words: list[Word], page: int) -> None:  # the dataclass keeps this one
        self.words, self.page = words, page
        w = words[0]
        if len(words) == 1:
            self.x0, self.x1, self.top, self.bottom, self.size, self.text = \
                w.x0, w.x1, w.top, w.bottom, w.size, w.text
            return
        x0, x1, top, bottom, size = w.x0, w.x1, w.top, w.bottom, w.size
        for w in words[1:]:  # min/max as a loop: lines are short, this is the parser's hottest spot
            if w.x0 < x0:
                x0 = w.x0
            if w.x1 > x1:
                x1 = w.x1
            if w.top < top:
                top = w.top
            if w.bottom > bottom:
                bottom = w.bottom
            if w.size > size:
                size = w.size
        self.x0, self.x1, self.top, self.bottom, self.size = x0, x1, top, bottom, size
        self.text = " ".join([w.text for w in words])

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def bold(self) -> bool:
        return sum(w.bold for w in self.words) * 2 > len(self.words)

    @property
    def key(self) -> tuple[int, float]:
        """Reading position across pages."""
        return (self.page, self.top)


_BY_TOP_X0, _BY_X0, _HEIGHT = attrgetter("top", "x0"), attrgetter("x0"), attrgetter("top", "bottom", "size")


def _run_line(words: list[Word], page: int, top: float, bottom: float, size: float) -> Line:
    """The line of a run of words of one top, bottom and size, in x order (what `Line.__init__`
    would find, without comparing the heights again)."""
    line = Line.__new__(Line)
    w = words[0]
    line.words, line.page, line.x0, line.top, line.bottom, line.size = words, page, w.x0, top, bottom, size
    if len(words) == 1:
        line.x1, line.text = w.x1, w.text
        return line
    x1 = w.x1
    for w in words:
        if w.x1 > x1:
            x1 = w.x1
    line.x1, line.text = x1, " ".join([w.text for w in words])
    return line


def group_lines(words: list[Word], page: int) -> list[Line]:
    """Words to lines: a word joins a line when its middle lies within the line's height (one of
    the last three lines, with their running bottom and size; the last one, tried first, takes
    most words). Words come by top, so a line's top is its first word's and the lines come out in
    order of their tops. A word of the same top, bottom and size as the word before it joins the
    same line (the line can only have grown towards it): words are taken in such runs, and most
    lines are one run, made once; a line joined by another run is made again from its words.

    _geometry.c does the same where built (the same Lines, each value the same float object);
    this code is the rule, and takes the words it declines (no float coordinates, or not finite)."""
    if _native is not None:
        lines = _native.group_lines(words, page)
        if lines is not None:
            return lines
    if len(words) < 2:
        return [Line(list(words), page)] if words else []
    lines: list[Line] = []
    joined: set[int] = set()  # ids of the lines more than one run joined
    for (top, bottom, size), same in groupby(sorted(words, key=_BY_TOP_X0), _HEIGHT):
        run = list(same)
        cy = (top + bottom) / 2
        for ln in lines[:-4:-1]:  # the last three lines, the last first
            if abs(cy - (ln.top + ln.bottom) / 2) <= 0.45 * (ln.size if ln.size > size else size):
                ln.words += run
                if bottom > ln.bottom:
                    ln.bottom = bottom
                if size > ln.size:
                    ln.size = size
                joined.add(id(ln))
                break
        else:
            lines.append(_run_line(run, page, top, bottom, size))
    if joined:
        return [Line(sorted(ln.words, key=_BY_X0), page) if id(ln) in joined else ln for ln in lines]
    return lines


def cluster(values: list[float], tol: float = TOL) -> list[float]:
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(c) / len(c) for c in out]


@dataclass(slots=True)
class Cell:
    """A span of grid rows in one column (more than one row when vertically merged)."""
    col: int
    row: int
    row_end: int
    x0: float
    top: float
    x1: float
    bottom: float
    words: list[Word] = field(default_factory=list)
    rules: list[tuple[float, float, float]] = field(default_factory=list)  # (y, x0, x1) of rules inside
    lines: list[Line] | None = field(default=None, repr=False, compare=False)  # its words grouped, once asked


@dataclass(slots=True)
class Grid:
    page: int
    xs: list[float]
    ys: list[float]
    owner: list[list[Cell]]  # [row][col]: the cell covering that grid position

    def cell(self, row: int, col: int) -> Cell | None:
        """The cell that starts at this row, None where a merged cell from above covers it."""
        c = self.owner[row][col]
        return c if c.row == row else None

    @property
    def n_rows(self) -> int:
        return len(self.ys) - 1

    @property
    def top(self) -> float:
        return self.ys[0]

    @property
    def bottom(self) -> float:
        return self.ys[-1]


def _components(hs: list[Segment], vs: list[Segment]) -> list[tuple[list[Segment], list[Segment]]]:
    """The segments that touch one another, as tables: (horizontals, verticals) with at least two
    verticals, each in the given order, the tables in the order of their first horizontal."""
    spans = [(v.x0, v.y0 - TOL, v.y1 + TOL) for v in vs]
    touched: list[list[int]] = []  # per horizontal, the verticals it touches
    touching: list[list[int]] = [[] for _ in vs]  # per vertical, the horizontals touching it
    for i, h in enumerate(hs):
        left, right, y = h.x0 - TOL, h.x1 + TOL, h.y0
        js = [j for j, (x, top, bottom) in enumerate(spans) if left <= x <= right and top <= y <= bottom]
        touched.append(js)
        for j in js:
            touching[j].append(i)
    h_seen, v_seen = [False] * len(hs), [False] * len(vs)
    out = []
    for first in range(len(hs)):
        if h_seen[first]:
            continue
        h_seen[first] = True
        h_in, v_in, todo = [first], [], [first]
        while todo:
            for j in touched[todo.pop()]:
                if not v_seen[j]:
                    v_seen[j] = True
                    v_in.append(j)
                    for i in touching[j]:
                        if not h_seen[i]:
                            h_seen[i] = True
                            h_in.append(i)
                            todo.append(i)
        if len(v_in) >= 2:
            out.append(([hs[i] for i in sorted(h_in)], [vs[j] for j in sorted(v_in)]))
    return out


def _spanned(h: Segment, starts: list[float], ends: list[float]) -> range:
    """The columns whose both borders the horizontal segment reaches (within TOL): starts and ends
    are the column borders plus and minus TOL, both ascending, so the columns are a run."""
    return range(bisect_left(starts, h.x0), bisect_right(ends, h.x1) - 1)


def find_grids(segments: list[Segment], words: list[Word], page: int) -> tuple[list[Grid], list[Word]]:
    """Tables of a page as grids with their words, and the words outside every table."""
    hs = [s for s in segments if s.horizontal and s.x1 - s.x0 >= MIN_SEG]
    vs = [s for s in segments if not s.horizontal and s.y1 - s.y0 >= MIN_SEG]
    grids: list[Grid] = []
    for ch, cv in _components(hs, vs):
        xs = cluster([v.x0 for v in cv])
        if len(xs) < 3 or xs[-1] - xs[0] < 100:
            continue
        starts, ends = [x + TOL for x in xs], [x - TOL for x in xs]
        lines_at: dict[float, set[int]] = {}
        for h in ch:
            cols = _spanned(h, starts, ends)
            if cols:
                lines_at.setdefault(h.y0, set()).update(cols)
        for y in (min(v.y0 for v in cv), max(v.y1 for v in cv)):
            # a row broken by the page break is drawn open at the break (no border there): its
            # columns' borders end where the row does
            if all(abs(y - hy) > TOL for hy in lines_at):
                lines_at[y] = set(range(len(xs) - 1))
        ys = cluster(list(lines_at))
        if len(ys) < 2:
            continue
        closed: list[set[int]] = []
        for y in ys:
            cols: set[int] = set()
            for hy, c in lines_at.items():
                if abs(hy - y) <= TOL:
                    cols |= c
            closed.append(cols)
        ncol, nrow = len(xs) - 1, len(ys) - 1
        owner: list[list[Cell]] = [[None] * ncol for _ in range(nrow)]  # type: ignore[list-item]
        for i in range(ncol):
            start = 0
            for j in range(1, nrow + 1):
                if j == nrow or i in closed[j]:
                    c = Cell(i, start, j - 1, xs[i], ys[start], xs[i + 1], ys[j], [], [])  # lists given: one per cell
                    for k in range(start, j):
                        owner[k][i] = c
                    start = j
        grids.append(Grid(page, xs, ys, owner))
        for h in hs:  # rules inside cells: horizontal segments that reach no column's both borders
            if not (xs[0] - TOL <= h.x0 and h.x1 <= xs[-1] + TOL and ys[0] < h.y0 < ys[-1]):
                continue
            if _spanned(h, starts, ends):
                continue
            i = bisect_right(xs, (h.x0 + h.x1) / 2) - 1
            j = bisect_right(ys, h.y0) - 1
            if 0 <= i < ncol and 0 <= j < nrow:
                owner[j][i].rules.append((h.y0, h.x0, h.x1))
    if not grids:
        return grids, list(words)
    outside = _place(words, grids)
    grids.sort(key=lambda g: g.top)
    return grids, outside


def _place(words: list[Word], grids: list[Grid]) -> list[Word]:
    """Each word into the cell its middle is in (of the first grid holding it); the words outside
    every grid. _geometry.c does the same where built; this code takes the words it declines."""
    if _native is not None:
        outside = _native.place(words, [(g.xs, g.ys, g.owner) for g in grids])
        if outside is not None:
            return outside
    outside = []
    bounds = [(g.xs[0], g.xs[-1], g.ys[0], g.ys[-1], g.xs, g.ys, g.owner, len(g.xs) - 1, len(g.ys) - 1)
              for g in grids]
    for w in words:
        cx, cy = (w.x0 + w.x1) / 2, (w.top + w.bottom) / 2
        for left, right, top, bottom, xs, ys, owner, last_x, last_y in bounds:
            if left <= cx <= right and top <= cy <= bottom:
                # a middle on the right or bottom border is in the last column or row
                owner[bisect_right(ys, cy, 0, last_y) - 1][bisect_right(xs, cx, 0, last_x) - 1].words.append(w)
                break
        else:
            outside.append(w)
    return outside


try:  # the compiled loops over words (setup.py builds them where a C compiler is at hand)
    from pipeline.parse import _geometry as _native
except ImportError:  # pragma: no cover - exercised by installs without a compiler
    _native = None
else:
    _native.bind(Word, tuple(getattr(Word, f) for f in ("text", "x0", "x1", "top", "bottom", "size")),
                 Line, tuple(getattr(Line, f) for f in ("words", "page", "x0", "x1", "top", "bottom", "size", "text")),
                 Cell, Cell.words)


def bbox_of(lines: list[Line], fallback: list) -> list[list[float]]:
    """[[page, x0, top, x1, bottom]] rounded, per page the lines are on (the fallback boxes without
    lines)."""
    if not lines:
        return [list(b) for b in fallback]
    first = lines[0]
    page, x0, top, x1, bottom = first.page, first.x0, first.top, first.x1, first.bottom
    for ln in lines:  # min/max as comparisons (as min and max keep the first of equals)
        if ln.page != page:
            return _bbox_pages(lines)
        if ln.x0 < x0:
            x0 = ln.x0
        if ln.top < top:
            top = ln.top
        if ln.x1 > x1:
            x1 = ln.x1
        if ln.bottom > bottom:
            bottom = ln.bottom
    return [[page, round(x0, 2), round(top, 2), round(x1, 2), round(bottom, 2)]]


def _bbox_pages(lines: list[Line]) -> list[list[float]]:
    """bbox_of lines on several pages (a cell broken over a page break)."""
    return [box for page in sorted({ln.page for ln in lines}) for box in bbox_of([ln for ln in lines if ln.page == page], [])]
