"""What every text reader shares once it has its characters: turning the page upright, and one
word rule, so pdfplumber and PDFium can only differ in how they get the characters.

Upright: a page's reading frame is the one its text runs left to right in. Characters and ruling
lines are turned by whole quarter turns (clockwise) from the frame a reader sees them in into that
frame, and the page's width and height swap with odd turns. `reading_turn` picks the turn from
the characters' own directions (most characters win), so /Rotate 90 pages and landscape tables drawn
turned on a portrait page both come out upright.

Words, as pdfplumber's `extract_words(x_tolerance=1.5, y_tolerance=2, extra_attrs=["size",
"fontname"])` builds them: characters in content-stream order, grouped by consecutive (direction,
size, font); each group clustered into lines by `top` (chained within 2 pt) and sorted by x0 in each
line; a word ends at a blank character, when x goes backwards, when `top` jumps by more than 2 pt,
or at a gap wider than the line's own spacing allows (`_gap_breaks`).

Speed: the numpy rule below is ~25 short calls per page plus a Python object per word, so the same
rule is also written in C (`_chars.c` words, built by setup.py: one pass, the Words made there);
build_words takes it where built, and tests/test_readers.py checks both give the same words."""
from __future__ import annotations

import math
from itertools import repeat

import numpy as np

from pipeline.core.model import Word

X_TOL = 1.5
Y_TOL = 2.0
# In a line set with letter spacing (its usual gap between letters more than SPACED from 0, either
# way), a gap parts two words when it is wider than that usual gap by X_TOL or SPACE_SHARE of the
# font size, whichever is more: letter-spaced and condensed lines keep their words whole, and a
# space set as a gap (no space character) still parts two words.
SPACE_SHARE = 0.15
SPACED = 0.1  # a usual gap above this (pt) is set spacing; below it, rounding in normal text

# pdfplumber's default ligature expansion
LIGATURES = str.maketrans({"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"})
_FIELDS = tuple(getattr(Word, f) for f in ("text", "x0", "x1", "top", "bottom", "size", "bold"))  # slot descriptors
_WORD_SLOTS = [field.__set__ for field in _FIELDS]

try:  # the compiled word rule (setup.py builds it where a C compiler is at hand)
    from pipeline.readers import _chars as _native
except ImportError:  # pragma: no cover - exercised by installs without a compiler
    _native = None


# --- turning ---------------------------------------------------------------------------------

def quarter(a: float, b: float) -> int:
    """Quarter turns counter-clockwise (y up) of a text matrix's baseline direction (a, b)."""
    return round(math.atan2(b, a) / (math.pi / 2)) % 4


def reading_turn(quarters: np.ndarray, weights: np.ndarray, default: int = 0) -> int:
    """The clockwise quarter turns that make most characters upright: text running up the page
    (one quarter counter-clockwise) is read after turning the page one quarter clockwise."""
    if not len(quarters):
        return default % 4
    return int(np.argmax(np.bincount(quarters % 4, weights=weights, minlength=4)))


def turn_points(x: np.ndarray, y: np.ndarray, turns: int, width: float, height: float):
    """Points of a top-down frame (width x height) turned clockwise by quarter turns."""
    turns %= 4
    if turns == 1:
        return height - y, x
    if turns == 2:
        return width - x, height - y
    if turns == 3:
        return y, width - x
    return x, y


def turn_box(x0, x1, top, bottom, turns: int, width: float, height: float):
    """Boxes (x0, x1, top, bottom) turned clockwise, as boxes again."""
    ax, ay = turn_points(x0, top, turns, width, height)
    bx, by = turn_points(x1, bottom, turns, width, height)
    return np.minimum(ax, bx), np.maximum(ax, bx), np.minimum(ay, by), np.maximum(ay, by)


def turned_size(turns: int, width: float, height: float) -> tuple[float, float]:
    return (height, width) if turns % 2 else (width, height)


# --- words -----------------------------------------------------------------------------------

def _make_words(*columns: list) -> list[Word]:
    """Words from columns of values, one slot at a time: the frozen dataclass's __init__ sets each
    field through object.__setattr__, which costs more than reading the whole page."""
    out = list(map(object.__new__, repeat(Word, len(columns[0]))))
    for put, values in zip(_WORD_SLOTS, columns):
        list(map(put, out, values))
    return out


def changes(a: np.ndarray) -> np.ndarray:
    """True where a value differs from the one before it, and at the first."""
    out = np.empty(len(a), dtype=bool)
    if len(a):
        out[0] = True
        np.not_equal(a[1:], a[:-1], out=out[1:])
    return out


def _by_line_x0(line: np.ndarray, x0: np.ndarray) -> np.ndarray:
    """Indices by line, then x0, ties in stream order. Sorting all the page's x0 is the costly
    part, and text is mostly drawn left to right: when every line's x0 already grow in stream
    order, the stable sort by line alone is that order."""
    order = np.argsort(line, kind="stable")
    x, ln = x0[order], line[order]
    if ((x[1:] >= x[:-1]) | (ln[1:] != ln[:-1])).all():
        return order
    return np.lexsort((x0, line))


def _gap_breaks(gap: np.ndarray, same_line: np.ndarray, line: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Gaps that part two words. A line's usual gap between letters is the median of its gaps
    between touching glyphs (no blank between, less than a third of the size apart): about 0 in
    normal text, where the rule stays pdfplumber's (wider than X_TOL), the set spacing in letter-
    spaced or condensed text. `line` is in order (the gaps run line by line).

    The median is only taken for lines with a touching gap beyond SPACED: in the others every such
    gap, so their median, is within SPACED, and the rule is pdfplumber's whatever it is."""
    rule = gap > X_TOL
    inner = np.flatnonzero(same_line & (np.abs(gap) < size / 3))
    loose = inner[np.abs(gap[inner]) > SPACED]
    if not len(loose):
        return rule
    candidate = np.zeros(int(line[-1]) + 1, dtype=bool)
    candidate[line[loose]] = True
    inner = inner[candidate[line[inner]]]
    order = inner[np.lexsort((gap[inner], line[inner]))]  # by line, then gap
    ln, g = line[order], gap[order]
    starts = np.flatnonzero(changes(ln))
    ends = np.empty_like(starts)
    ends[:-1] = starts[1:]
    ends[-1] = len(ln)
    counts = ends - starts
    median = (g[starts + (counts - 1) // 2] + g[starts + counts // 2]) / 2
    spaced_line = np.abs(median) > SPACED
    if not spaced_line.any():
        return rule
    usual = np.zeros(len(candidate))
    usual[ln[starts[spaced_line]]] = median[spaced_line]
    at = np.flatnonzero(usual[line])  # gaps of letter-spaced lines: measured from their usual gap
    u = usual[line[at]]
    rule[at] = gap[at] > u + np.maximum(X_TOL, SPACE_SHARE * size[at])
    return rule


def compiled_words(text, blank: np.ndarray, x0: np.ndarray, x1: np.ndarray, top: np.ndarray,
                   size: np.ndarray, key: np.ndarray, bold: np.ndarray) -> list[Word] | None:
    """build_words' result from _chars.c's words (a fourth of the time: one pass, no short numpy
    calls, Words made in C); None where it is not built or declines the page (a coordinate not
    finite, or a word's least or greatest value both 0.0 and -0.0, which numpy picks by SIMD lane)."""
    if _native is None:
        return None
    f64 = np.float64
    return _native.words(text if isinstance(text, list) else np.ascontiguousarray(text, np.uint32),
                         np.ascontiguousarray(blank, bool), np.ascontiguousarray(x0, f64),
                         np.ascontiguousarray(x1, f64), np.ascontiguousarray(top, f64),
                         np.ascontiguousarray(size, f64), np.ascontiguousarray(key, np.int64),
                         np.ascontiguousarray(bold, bool), Word, _FIELDS, LIGATURES,
                         (X_TOL, Y_TOL, SPACE_SHARE, SPACED))


def build_words(text, blank: np.ndarray, x0: np.ndarray, x1: np.ndarray, top: np.ndarray,
                size: np.ndarray, key: np.ndarray, bold: np.ndarray, native: bool = True) -> list[Word]:
    """Words from characters in stream order, upright: `text` the characters as an array of code
    points, or a list of str (one character may decode to several), `key` changing from one char to
    the next where (direction, size, font) does (only its changes count). The compiled rule where
    built (tests/test_readers.py: the same words), else numpy."""
    if native:
        words = compiled_words(text, blank, x0, x1, top, size, key, bold)
        if words is not None:
            return words
    m = len(x0)
    if not m:
        return []
    # lines: sorted by (group, top), a line starts with its group or after a step of more than 2
    group = np.cumsum(changes(key)) - 1
    by_top = np.lexsort((top, group))
    step = changes(group[by_top])
    step[1:] |= np.diff(top[by_top]) > Y_TOL
    line = np.empty(m, dtype=np.int64)
    line[by_top] = np.cumsum(step)
    # order: group, line, x0 (stable: stream order breaks ties, as Python's sorted does); line
    # numbers grow with the group, so the line alone orders the groups
    order = _by_line_x0(line, x0)
    blank = blank[order]
    keep = np.flatnonzero(~blank)
    if not len(keep):
        return []
    nblank = np.cumsum(blank)[keep]  # blanks before each kept character, in reading order
    kept = order[keep]
    x0, x1, top, size, bold, line = (a[kept] for a in (x0, x1, top, size, bold, line))
    gap = x0[1:] - x1[:-1]
    same_line = (line[1:] == line[:-1]) & (nblank[1:] == nblank[:-1])
    brk = np.empty(len(keep), dtype=bool)
    brk[0] = True
    brk[1:] = (~same_line | (x0[1:] < x0[:-1]) | (np.abs(top[1:] - top[:-1]) > Y_TOL)
               | _gap_breaks(gap, same_line, line[:-1], size[:-1]))
    ws = np.flatnonzero(brk)
    bounds = ws.tolist() + [len(kept)]
    if isinstance(text, np.ndarray):
        joined = text[kept].astype("<u4").tobytes().decode("utf-32-le")
        texts = [joined[a:b] for a, b in zip(bounds, bounds[1:])]
    else:
        chars = [text[i] for i in kept.tolist()]
        texts = ["".join(chars[a:b]) for a, b in zip(bounds, bounds[1:])]
    if not all(map(str.isascii, texts)):  # ligatures are not ASCII
        texts = [t.translate(LIGATURES) for t in texts]
    return _make_words(texts, np.minimum.reduceat(x0, ws).tolist(), np.maximum.reduceat(x1, ws).tolist(),
                       np.minimum.reduceat(top, ws).tolist(), np.maximum.reduceat(top + size, ws).tolist(),
                       size[ws].tolist(), bold[ws].tolist())
