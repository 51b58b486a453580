"""A column's lines as the entries of a row's stacked items, when they do not line up with them.

Items stacked in one cell are paired with the other columns' entries in vertical order. Entries
end at blank space; without blank space (items as mere line breaks) they end where a paragraph
must end (the next line's first word would have fitted on the line) or may end (the next line
starts a capitalised phrase), but never inside a fraction, before its note or after a connector
word. A column whose lines cannot make as many entries as there are items keeps the vertical
rule (`rows.distribute`): every line goes to the item whose top it follows."""
from __future__ import annotations

import re
from itertools import combinations

from pipeline.parse.fractions import NOTE, TIMES_100
from pipeline.parse.geometry import Line
from pipeline.parse.rows import MULTIPLIER, Part, blank_before, distribute

CONNECTOR = re.compile(r"(,|/|-|\b(dan|atau|dengan|yang|di|ke|dari|pada|untuk|dalam|sesuai|terhadap|oleh|serta))$",
                       re.I)
MAX_CHOICES = 20000  # splittings weighed before the best so far is taken


def entries(part: Part, anchors: list[tuple[int, float]], tol: float, breaks: bool, shared: bool,
            known: set[str]) -> list[Part]:
    """The column's entry for each stacked item (anchors: the items' tops; breaks: the items are
    set as mere line breaks, without blank space between them; shared: a column that may print
    one entry for all items; known: the column's texts in rows of one indicator)."""
    n, lines = len(anchors), part.lines
    if n == 1 or not lines:
        return distribute(part, anchors, tol)
    gaps = [k for k in range(1, len(lines)) if blank_before(lines, k) or lines[k].page != lines[k - 1].page]
    if len(gaps) == n - 1:  # blank space (or a page break) ends every entry
        return _parts(part, [0, *gaps])
    if lines[0].page != lines[-1].page:  # a row broken over pages: by position
        return distribute(part, anchors, tol)
    if breaks and not gaps:
        starts = _paragraph_starts(part, n, shared, known)
        if starts:
            return _parts(part, starts)
    if shared and not gaps:  # one block of text beside items set apart by blank space: one entry for all
        return [part, *(Part(boxes=part.boxes) for _ in anchors[1:])]
    return distribute(part, anchors, tol)


def _paragraph_starts(part: Part, n: int, shared: bool, known: set[str]) -> list[int] | None:
    """First lines of n entries in lines set as mere line breaks, or None for one entry for all
    or when the lines do not make n entries. Of the breaks that may end an entry, those that
    give most entries the decree prints elsewhere on their own win, then the earliest; a shared
    column stays one entry when its whole text is such a phrase, or when no paragraph must end and
    no splitting gives such a phrase."""
    lines = part.lines
    must, may = [], []
    for k in range(1, len(lines)):
        kind = _break(part, k)
        if kind == "must":
            must.append(k)
        elif kind == "may":
            may.append(k)
    need = n - 1 - len(must)
    if need < 0 or need > len(may) or (shared and (part.text in known or not must and not may)):
        return None
    best, best_score = None, -1
    for count, extra in enumerate(combinations(may, need)):
        if count >= MAX_CHOICES:
            break
        starts = [0, *sorted(must + list(extra))]
        score = sum(p.text in known for p in _parts(part, starts))
        if score > best_score:
            best, best_score = starts, score
    if shared and not must and best_score == 0:
        return None  # no break must end an entry and no entry is a known phrase: one for all
    return best


def _break(part: Part, k: int) -> str:
    """Between lines k-1 and k: "must" (a paragraph ends), "may" (one can) or "no"."""
    a, b = part.lines[k - 1], part.lines[k]
    first = b.words[0].text
    if (first[:1].islower() or CONNECTOR.search(a.text) or CONNECTOR.fullmatch(first) or NOTE.match(b.text) or TIMES_100.search(a.text)
            or MULTIPLIER.fullmatch(b.text) or any(r[0] == a.page and a.cy < r[1] < b.cy for r in part.rules)):
        return "no"
    return "must" if _fits(part, a, b) else ("may" if first[:1].isupper() or first[:1].isdigit() else "no")


def _fits(part: Part, a: Line, b: Line) -> bool:
    """Would line b's first word have fitted at the end of line a? Then a ends its paragraph."""
    boxes = [bx for bx in part.boxes if bx[0] == a.page and bx[2] - 1 <= a.cy <= bx[4] + 1]
    if not boxes:
        return False
    left = min(ln.x0 for ln in part.lines if ln.page == a.page)
    right = boxes[0][3] - max(1.0, left - boxes[0][1])  # the cell's padding is the same both sides
    start = a.x0 if abs(a.x0 - b.x0) < 1 else left  # an indented paragraph keeps its indent
    word = b.words[0].x1 - b.words[0].x0
    return (a.x1 - a.x0) + 0.25 * b.size + word <= right - start - 0.5


def _parts(part: Part, starts: list[int]) -> list[Part]:
    """The column split before the given lines, each with the rules drawn among its lines."""
    out = []
    lines = part.lines
    for s, e in zip(starts, [*starts[1:], len(lines)]):
        chunk = lines[s:e]
        lo, hi = chunk[0].key, (lines[e].page, lines[e].top) if e < len(lines) else (10 ** 9, 0.0)
        rules = [r for r in part.rules if lo <= (r[0], r[1]) < hi]
        out.append(Part(chunk, rules, part.boxes))
    return out
