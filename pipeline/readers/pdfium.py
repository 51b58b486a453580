"""The page reader on PDFium (pypdfium2): the same PageContent as the pdfplumber reader, many times
faster. Characters come from PDFium; turning them upright and building words is readers.words',
shared with pdfplumber. Character boxes follow pdfminer's: x0 = origin, x1 = origin + advance,
bottom = baseline, top = bottom - size (size: the font size times the text matrix's vertical scale).
PDFium states characters and paths in unrotated user space, so both are turned into the page's
reading frame (its /Rotate, or the direction most text runs in when content is drawn turned).

Speed: ctypes' own cost per call (~0.3 us) was the bound, at about three calls per character, so
those calls (its text object; for real chars its origin; for non-blank ones its advance box; for
blank ones whether PDFium made it up) are made in one C loop per page (`_chars.c`, built by
setup.py), through the function addresses pypdfium2 loaded; where no compiler built it, the same
calls go through ctypes with `map` and ready pointer objects. The text of the page comes in one
FPDFText_GetText call; turning the characters upright (`upright_chars`) and the word rule
(readers.words.build_words) run in C too where it is built, numpy being their rule and fallback.
Ruling lines come from path objects (segments and draw mode), classified as pdfminer classifies
them (a single segment is a line, a closed axis-aligned four-sided path is a rectangle; in C where
built), then turned into Segments by model.segments' rules."""
from __future__ import annotations

import ctypes
import threading
from itertools import repeat
from pathlib import Path
from typing import Iterator

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pr

from pipeline.core.errors import PageLimitExceeded, ParseError
from pipeline.core.model import PageContent, Segment, Word, axis_quad, segments
from pipeline.readers.words import (
    Y_TOL,
    build_words,
    changes,
    reading_turn,
    turn_box,
    turn_points,
    turned_size,
)

# every code point for which str.isspace() is true
_BLANK = np.array([chr(c).isspace() for c in range(0x3002)], dtype=bool)  # the last: any code above
# a gap between glyphs of at least this share of the font size is a word space, not letter spacing
WORD_GAP = 0.2


def _addr(handle) -> int:
    return ctypes.cast(handle, ctypes.c_void_p).value or 0


# PYFUNCTYPE: called holding the GIL. PDFium's calls here are short and never call back into
# Python, so releasing and taking the GIL again around each (CFUNCTYPE) only costs: a fifth to a
# quarter of each per-character call.
_FUNCTYPE = ctypes.PYFUNCTYPE


def _proto(fn, restype, *argtypes):
    """The same C function with plain integer arguments: no pointer-type conversion per call."""
    return _FUNCTYPE(restype, *argtypes)(_addr(fn))


def _bare(fn, restype):
    """The same C function with no argument types at all, for the per-character calls: given a
    ready pointer object and a small int, ctypes passes them without converting (a third of the
    cost of each call). Only pointers and ints below 2**31 may be passed."""
    return _FUNCTYPE(restype)(_addr(fn))


_VP, _INT = ctypes.c_void_p, ctypes.c_int
# per character (font size: per run): (text page, index[, out pointers]); the box and origin calls
# cannot fail on a valid index, so their result is not read
_loose_box = _bare(pr.FPDFText_GetLooseCharBox, None)
_char_origin = _bare(pr.FPDFText_GetCharOrigin, None)
_is_generated = _bare(pr.FPDFText_IsGenerated, _INT)
_text_object = _bare(pr.FPDFText_GetTextObject, ctypes.c_size_t)
_font_size = _bare(pr.FPDFText_GetFontSize, ctypes.c_double)
_char_matrix = _bare(pr.FPDFText_GetMatrix, _INT)
_obj_font = _proto(pr.FPDFTextObj_GetFont, ctypes.c_size_t, _VP)
_font_name = _proto(pr.FPDFFont_GetBaseFontName, ctypes.c_ulong, _VP, ctypes.c_char_p, ctypes.c_ulong)
_get_text = _proto(pr.FPDFText_GetText, _INT, _VP, _INT, _INT, _VP)  # into a numpy buffer: no ctypes array type per page
# page objects and paths
_count_objects = _proto(pr.FPDFPage_CountObjects, _INT, _VP)
_get_object = _proto(pr.FPDFPage_GetObject, _VP, _VP, _INT)
_form_count = _proto(pr.FPDFFormObj_CountObjects, _INT, _VP)
_form_object = _proto(pr.FPDFFormObj_GetObject, _VP, _VP, ctypes.c_ulong)
_obj_type = _proto(pr.FPDFPageObj_GetType, _INT, _VP)
_obj_matrix = _proto(pr.FPDFPageObj_GetMatrix, _INT, _VP, _VP)
_draw_mode = _proto(pr.FPDFPath_GetDrawMode, _INT, _VP, _VP, _VP)
_count_segments = _proto(pr.FPDFPath_CountSegments, _INT, _VP)
_get_segment = _proto(pr.FPDFPath_GetPathSegment, _VP, _VP, _INT)
_seg_point = _proto(pr.FPDFPathSegment_GetPoint, _INT, _VP, _VP, _VP)
_seg_type = _proto(pr.FPDFPathSegment_GetType, _INT, _VP)
_seg_close = _proto(pr.FPDFPathSegment_GetClose, _INT, _VP)


def _open(path: Path) -> pdfium.PdfDocument:
    """The document; PDFium's load errors become the sentences guard.explain gives for pdfminer's."""
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == pr.FPDF_ERR_PASSWORD or "password" in str(exc).lower():
            raise ParseError("encrypted: needs a password", detail=str(exc)) from exc
        if code == pr.FPDF_ERR_SECURITY:
            raise ParseError("encrypted: unsupported security handler", detail=str(exc)) from exc
        raise ParseError(f"damaged PDF: cannot be read (PdfiumError: {str(exc)[:80]}) — truncated or corrupt?",
                         detail=str(exc)) from exc


# --- words -----------------------------------------------------------------------------------

class _Fonts:
    """Base font names, numbered, per PDFium font handle (one lookup per font and page), and per
    name number whether it is bold."""

    def __init__(self):
        self.numbers: dict[int, int] = {}  # font handle -> the number of its base name
        self.names: dict[str, int] = {}
        self.bold = np.zeros(0, dtype=bool)
        self._buf = ctypes.create_string_buffer(256)

    def name_numbers(self, fonts: list[int]) -> np.ndarray:
        """The name number of each font (a page has a few fonts, used by a hundred text objects)."""
        new = set(fonts).difference(self.numbers)
        for font in new:
            k = _font_name(font, self._buf, 256) if font else 0
            name = self._buf.value.decode("latin-1") if k else ""
            self.numbers[font] = self.names.setdefault(name, len(self.names))
        if new:
            self.bold = np.array(["bold" in name.lower() for name in self.names], dtype=bool)
        return np.fromiter(map(self.numbers.__getitem__, fonts), dtype=np.int64, count=len(fonts))


class _Scratch(threading.local):
    """Output arrays for the ctypes path's per-character calls with a ctypes pointer object per slot,
    made once per thread (a pointer object costs as much as a call) and grown with the largest page."""

    size = 0

    def reserve(self, n: int) -> "_Scratch":
        if n > self.size:
            size = max(n, 2 * self.size)
            self.origin = np.empty((size, 2), dtype=np.float64)  # x, y of each char's origin (baseline)
            self.boxes = np.empty((size, 4), dtype=np.float32)  # FS_RECTF: left, top, right, bottom
            at, bt = self.origin.ctypes.data, self.boxes.ctypes.data
            self.x_at = list(map(ctypes.c_void_p, range(at, at + 16 * size, 16)))
            self.y_at = list(map(ctypes.c_void_p, range(at + 8, at + 16 * size, 16)))
            self.box_at = list(map(ctypes.c_void_p, range(bt, bt + 16 * size, 16)))
            self.size = size
        return self


_scratch = _Scratch()


def _fill_ctypes(tpv, blank, objs, made, origin, boxes) -> None:
    """_chars.fill's contract through ctypes, calling only where that loop calls: for installs
    built without a C compiler."""
    n = len(blank)
    objs[:] = np.fromiter(map(_text_object, repeat(tpv, n), range(n)), dtype=np.uint64, count=n)
    real = np.flatnonzero(objs)
    spaces = real[blank[real]]
    made[spaces] = np.fromiter(map(_is_generated, repeat(tpv, len(spaces)), spaces.tolist()), dtype=bool,
                               count=len(spaces))
    keep = real[~made[real]]
    out = _scratch.reserve(len(keep))
    m = len(keep)
    list(map(_char_origin, repeat(tpv, m), keep.tolist(), out.x_at[:m], out.y_at[:m]))
    origin[keep] = out.origin[:m]
    solid = keep[~blank[keep]]
    k = len(solid)
    list(map(_loose_box, repeat(tpv, k), solid.tolist(), out.box_at[:k]))
    boxes[solid] = out.boxes[:k]


try:  # the compiled loops (setup.py builds them where a C compiler is at hand)
    from pipeline.readers import _chars as _native
except ImportError:  # pragma: no cover - exercised by installs without a compiler
    _native = None
_FILL_FNS = tuple(_addr(f) for f in (pr.FPDFText_GetTextObject, pr.FPDFText_IsGenerated,
                                      pr.FPDFText_GetCharOrigin, pr.FPDFText_GetLooseCharBox))
_PAGE_OBJECT_FNS = (_addr(pr.FPDFPage_GetObject), _addr(pr.FPDFPageObj_GetType))
_FORM_OBJECT_FNS = (_addr(pr.FPDFFormObj_GetObject), _addr(pr.FPDFPageObj_GetType))
_PATH_FNS = tuple(_addr(f) for f in (pr.FPDFPath_GetDrawMode, pr.FPDFPageObj_GetMatrix, pr.FPDFPath_CountSegments,
                                     pr.FPDFPath_GetPathSegment, pr.FPDFPathSegment_GetPoint,
                                     pr.FPDFPathSegment_GetType, pr.FPDFPathSegment_GetClose))
_RUN_FNS = tuple(_addr(f) for f in (pr.FPDFText_GetMatrix, pr.FPDFText_GetFontSize, pr.FPDFTextObj_GetFont))


def char_arrays(tpv, blank: np.ndarray, native: bool = True):
    """Per character of a text page: its text object (0: made up by PDFium), whether PDFium
    generated it (blank chars of a text object), its origin (real chars kept) and its loose box
    (real non-blank chars); other entries 0. One C call per page where the helper is built."""
    n = len(blank)
    objs = np.zeros(n, dtype=np.uint64)
    made = np.zeros(n, dtype=bool)
    origin = np.zeros((n, 2), dtype=np.float64)
    boxes = np.zeros((n, 4), dtype=np.float32)
    if native and _native is not None:
        _native.fill(_FILL_FNS, tpv.value, blank.view(np.uint8), objs, made.view(np.uint8), origin, boxes)
    else:
        _fill_ctypes(tpv, blank, objs, made, origin, boxes)
    return objs, made, origin, boxes


def run_arrays(tpv, first: np.ndarray, run_objs: np.ndarray, native: bool = True):
    """Per text object (run of chars): its first char's matrix (FS_MATRIX), font size and the
    object's font handle. One C call per page where the helper is built."""
    k = len(first)
    matrices = np.zeros((k, 6), dtype=np.float32)
    sizes = np.zeros(k, dtype=np.float64)
    fonts = np.zeros(k, dtype=np.uint64)
    if native and _native is not None:
        _native.runs(_RUN_FNS, tpv.value, first.astype(np.int64), run_objs, matrices, sizes, fonts)
    else:
        at = matrices.ctypes.data
        list(map(_char_matrix, repeat(tpv, k), first.tolist(), map(ctypes.c_void_p, range(at, at + 24 * k, 24))))
        sizes[:] = np.fromiter(map(_font_size, repeat(tpv, k), first.tolist()), dtype=np.float64, count=k)
        fonts[:] = np.fromiter(map(_obj_font, run_objs.tolist()), dtype=np.uint64, count=k)
    return matrices, sizes, fonts


def _run_frames(matrices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per text object, from its first char's matrix: the baseline direction (quarter turns
    counter-clockwise) and the vertical scale, which PDFium leaves out of the font size and pdfminer
    puts in (Chromium sets 12.66 pt text under a 0.75 transform: 9.49 pt on the page)."""
    a, b, c, d = matrices[:, :4].astype(np.float64).T
    quarters = np.round(np.arctan2(b, a) / (np.pi / 2)).astype(np.int64) % 4
    return quarters, np.hypot(c, d)


def _chars(textpage):
    """The page's real characters in stream order: code points, origins (x, y up) in unrotated
    user space, and the text object of each; the non-blank ones (solid) and their loose boxes
    (left, top, right, bottom; y up)."""
    tpv = ctypes.c_void_p(_addr(textpage))
    n = pr.FPDFText_CountChars(textpage)
    if n <= 0:
        return None
    buf = np.empty(n + 1, dtype=np.uint16)
    got = _get_text(tpv.value, 0, n, buf.ctypes.data)
    codes = buf[:n].astype(np.uint32)
    if got - 1 != n or ((codes - 0xD800) < 0x800).any():  # surrogates (wrapping uint32): one code per char
        codes = np.fromiter((pr.FPDFText_GetUnicode(textpage, i) for i in range(n)), np.uint32, n)
    codes[codes == 0xFFFE] = 0x2D  # PDFium marks a hyphen ending a line; pdfplumber keeps the "-"
    blank = _BLANK.take(np.minimum(codes, 0x3001))
    objs, made, origin, boxes = char_arrays(tpv, blank)
    # generated spaces / line breaks have no text object: skipped; PDFium also makes up spaces inside
    # a text object where kerning is wide (letter-spaced text): pdfminer sees no character there, so
    # neither do we
    is_real = (objs != 0) & ~made
    real = np.flatnonzero(is_real)
    m = len(real)
    if not m:
        return None
    # ... but a space PDFium made up between two real chars of text objects may stand for a real
    # space it dropped (Chromium's 'X 100 %'): kept aside, as the real char before it (see _words)
    between = np.flatnonzero((objs == 0) & (codes == 0x20))
    between = between[(between > 0) & (between < n - 1)]
    between = between[is_real[between - 1] & is_real[between + 1]]
    after = np.searchsorted(real, between - 1)
    codes, objs, blank = codes.take(real), objs.take(real), blank.take(real)
    # the right edge only matters for non-blank chars: the advance box when the font states
    # ascent/descent, else PDFium's glyph box (np.take: a fancy index of rows is 4x slower)
    solid = np.flatnonzero(~blank)
    boxes = np.take(boxes, real.take(solid), axis=0).astype(np.float64)
    return tpv, real, codes, objs, blank, np.take(origin, real, axis=0), boxes, solid, after


def _words(textpage, width: float, height: float, rotation: int, fonts: _Fonts) -> tuple[list[Word], int]:
    """The page's words in its reading frame, and the clockwise quarter turns from unrotated user
    space (width x height, y down) into it."""
    got = _chars(textpage)
    if got is None:
        return [], rotation
    tpv, real, codes, objs, blank, origin, boxes, solid, after = got
    m = len(real)
    # per text object (runs of one object): size, font, direction; all its chars share them
    starts = np.flatnonzero(changes(objs))
    k = len(starts)
    run_len = np.empty(k, dtype=np.int64)
    np.subtract(starts[1:], starts[:-1], out=run_len[:-1])
    run_len[-1] = m - starts[-1]
    matrices, sizes, font_o = run_arrays(tpv, real.take(starts), objs.take(starts))
    quarters, scale_o = _run_frames(matrices)
    size_o = sizes * scale_o  # a scale of 1.0 leaves the size exact
    names = fonts.name_numbers(font_o.tolist())
    turns = reading_turn(quarters, run_len, rotation)
    # build_words' key only tells where (direction, size, font) changes: the count of changes so far
    key_o = np.zeros(k, dtype=np.int64)
    np.cumsum((quarters[1:] != quarters[:-1]) | (size_o[1:] != size_o[:-1]) | (names[1:] != names[:-1]),
              out=key_o[1:])
    chars = upright_chars(turns, width, height, objs, codes, blank, origin, solid, boxes, after, run_len, size_o,
                          key_o, fonts.bold.take(names))
    return build_words(*chars), turns


def upright_chars(turns: int, width: float, height: float, objs, codes, blank, origin, solid, boxes, after,
                  run_len, size_o, key_o, bold_o, native: bool = True):
    """build_words' arguments from _chars' arrays (see there) and per text object its char count,
    size, key and boldness: the chars turned upright, with the word spaces PDFium dropped put back.
    In one C call where built (tests/test_readers.py: the same arrays, bit for bit), else numpy, the
    rule, which also takes what the C declines (a NaN or 0.0 against -0.0 in np.maximum)."""
    if native and _native is not None:
        cap = len(objs) + len(after)
        out = (np.empty(cap, np.uint32), np.empty(cap, bool), *(np.empty(cap) for _ in range(4)),
               np.empty(cap, np.int64), np.empty(cap, bool))
        n = _native.upright(turns, width, height, WORD_GAP, Y_TOL, (objs, codes, blank, origin, solid, boxes, after,
                                                                     size_o, key_o, bold_o), out)
        if n is not None:
            return tuple(a[:n] for a in out)
    m = len(objs)
    run = np.repeat(np.arange(len(run_len)), run_len)  # each char's text object, numbered
    # the origin is the baseline's left end. pdfminer: bottom = baseline + the font descriptor's
    # descent, top = bottom - size; LibreOffice states Descent 0, which pdfminer takes as is. PDFium
    # has no call for the descriptor's value (FPDFFont_GetDescent falls back to the font file's when
    # it is 0), so the baseline is the bottom: Chromium's fonts state one, and their boxes sit ~0.2 em
    # higher than pdfplumber's.
    x0, base = turn_points(origin[:, 0], height - origin[:, 1], turns, width, height)
    x1 = x0.copy()
    left, up, right, down = boxes.T  # the box's right edge in the reading frame: one of its corners'
    x1[solid] = np.maximum(np.maximum(turn_points(left, height - up, turns, width, height)[0],
                                      turn_points(right, height - down, turns, width, height)[0]), x0.take(solid))
    size = size_o.take(run)
    top = base - size
    if len(after):
        # a made-up space between text objects where the glyphs stand at least WORD_GAP em apart, on
        # one line, is a word space: kept as a blank right after the char before it
        p, q = after, after + 1
        x0p, x0q = x0.take(p), x0.take(q)
        p = p[(x0q - x1.take(p) >= WORD_GAP * size.take(p)) & (x0q > x0p)
              & (np.abs(top.take(q) - top.take(p)) <= Y_TOL)]
        if len(p):
            twice = np.ones(m, dtype=np.int64)
            twice[p] = 2
            take = np.repeat(np.arange(m), twice)  # each blank copies the char before it
            spaces = p + np.arange(1, len(p) + 1)  # where the blanks land
            codes, blank, x0, x1, top, size, run = (a.take(take) for a in (codes, blank, x0, x1, top, size, run))
            codes[spaces], blank[spaces], x0[spaces] = 0x20, True, x1.take(spaces)
    return codes, blank, x0, x1, top, size, key_o.take(run), bold_o.take(run)


# --- ruling lines ----------------------------------------------------------------------------

def _mul(m, n):
    """Matrix product m then n, as (a, b, c, d, e, f)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


class _Out:
    """Reusable out-parameters for the ctypes path's path calls, passed by address."""

    def __init__(self):
        self.x, self.y = ctypes.c_float(), ctypes.c_float()
        self.x_at, self.y_at = ctypes.addressof(self.x), ctypes.addressof(self.y)


def object_arrays(parent: int, form: bool, native: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The page objects of a page (or of a form object) and their types, in stream order."""
    k = _form_count(parent) if form else _count_objects(parent)
    objs = np.zeros(max(k, 0), dtype=np.uint64)
    types = np.zeros(max(k, 0), dtype=np.int32)
    get = _form_object if form else _get_object
    if native and _native is not None:
        _native.objects(_FORM_OBJECT_FNS if form else _PAGE_OBJECT_FNS, parent, form, objs, types)
    else:
        objs[:] = [get(parent, i) or 0 for i in range(k)]
        types[:] = [_obj_type(o) if o else 0 for o in objs.tolist()]
    return objs, types


def path_arrays(objs: np.ndarray, native: bool = True):
    """Per path object: fill mode and stroke, matrix (FS_MATRIX) and its segment count; and the
    segments of all of them in order: points (unrotated user space), types, close flags."""
    k = len(objs)
    modes = np.zeros((k, 2), dtype=np.int32)
    matrices = np.zeros((k, 6), dtype=np.float32)
    counts = np.zeros(k, dtype=np.int32)
    if native and _native is not None:
        cap = 8 * k
        while True:
            points = np.zeros((cap, 2), dtype=np.float32)
            kinds = np.zeros(cap, dtype=np.int32)
            closes = np.zeros(cap, dtype=bool)
            total = _native.paths(_PATH_FNS, np.ascontiguousarray(objs, np.uint64), modes, matrices, counts, points,
                                  kinds, closes.view(np.uint8))
            if total <= cap:
                return modes, matrices, counts, points[:total], kinds[:total], closes[:total]
            cap = total
    out = _Out()
    pts, kinds, closes = [], [], []
    for i, obj in enumerate(objs.tolist()):
        _draw_mode(obj, modes[i:].ctypes.data, modes[i:].ctypes.data + 4)
        _obj_matrix(obj, matrices[i:].ctypes.data)
        counts[i] = max(_count_segments(obj), 0)
        for j in range(counts[i]):
            seg = _get_segment(obj, j)
            _seg_point(seg, out.x_at, out.y_at)
            pts.append((out.x.value, out.y.value))
            kinds.append(_seg_type(seg))
            closes.append(bool(_seg_close(seg)))
    return (modes, matrices, counts, np.array(pts, dtype=np.float32).reshape(-1, 2), np.array(kinds, dtype=np.int32),
            np.array(closes, dtype=bool))


def _path_shapes(points: list, kinds: list, closes: list, matrix):
    """The subpaths of a path object in pdfminer's terms: (shape string, points in page space)."""
    a, b, c, d, e, f = matrix
    shapes = []
    shape, pts, start = [], [], None
    for (x, y), typ, close in zip(points, kinds, closes):
        pt = (a * x + c * y + e, b * x + d * y + f)
        if typ == pr.FPDF_SEGMENT_MOVETO:
            if shape:
                shapes.append(("".join(shape), pts))
            shape, pts, start = ["m"], [pt], pt
        elif typ == pr.FPDF_SEGMENT_BEZIERTO:
            shape.append("b")  # three points per curve; never a line or a rectangle
            pts.append(pt)
        else:
            shape.append("l")
            pts.append(pt)
        if close and start is not None:
            shape.append("h")
            pts.append(start)
    if shape:
        shapes.append(("".join(shape), pts))
    return shapes


def _classify(shape: str, pts: list, stroke: bool, height: float, lines: list, rects: list) -> None:
    """pdfminer's converter.paint_path for one subpath: a line, a rectangle, or neither."""
    if shape[:1] != "m":
        return
    if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
        shape = shape[:-2] + "h"
        pts = pts[:-2] + pts[-1:]
    if shape in ("mlh", "ml"):
        (xa, ya), (xb, yb) = pts[0], pts[1]
        lines.append((min(xa, xb), max(xa, xb), height - max(ya, yb), height - min(ya, yb)))
    elif shape in ("mlllh", "mllll"):
        if axis_quad(pts):
            (x0, y0), _, (x2, y2) = pts[:3]
            rects.append((min(x0, x2), max(x0, x2), height - max(y0, y2), height - min(y0, y2), stroke))


_TEXT, _PATH = pr.FPDF_PAGEOBJ_TEXT, pr.FPDF_PAGEOBJ_PATH
_SEGMENT_KINDS = (pr.FPDF_SEGMENT_MOVETO, pr.FPDF_SEGMENT_BEZIERTO)
_QUAD_TOL = axis_quad.__defaults__[0]  # _chars.shapes applies axis_quad's own tolerance


def _paint(arrays, start: int, stop: int, matrix, height: float, lines: list, rects: list, native: bool) -> None:
    """Classify the painted paths start..stop of path_arrays' arrays: in one C call where built
    (tests/test_readers.py: the same lines and rectangles), else path by path in Python."""
    if start == stop:
        return
    if native and _native is not None:
        _native.shapes(*arrays, start, stop, matrix, height, _QUAD_TOL, _SEGMENT_KINDS, lines, rects)
        return
    modes, matrices, counts, points, kinds, closes = arrays
    # the path arrays as lists: path j's segments run from ends[j - 1]
    modes, matrices, ends = modes.tolist(), matrices.tolist(), np.cumsum(counts).tolist()
    points, kinds, closes = points.tolist(), kinds.tolist(), closes.tolist()
    for j in range(start, stop):
        mode, stroke = modes[j]
        if mode == 0 and not stroke:
            continue  # not painted
        mm = _mul(matrices[j], matrix) if matrix else matrices[j]
        lo, hi = ends[j - 1] if j else 0, ends[j]
        for shape, pts in _path_shapes(points[lo:hi], kinds[lo:hi], closes[lo:hi], mm):
            _classify(shape, pts, bool(stroke), height, lines, rects)


def _walk(parent: int, form: bool, matrix, height: float, lines: list, rects: list, native: bool = True) -> int:
    """Classify the painted paths among a page's or form's objects (recursing into forms, in stream
    order); the number of images. Text objects (most of a page) are skipped by numpy over all types."""
    objs, types = object_arrays(parent, form)
    drawn = np.flatnonzero(types == _PATH)
    arrays = path_arrays(objs.take(drawn))
    images = int(np.count_nonzero(types == pr.FPDF_PAGEOBJ_IMAGE))
    done = 0  # paths classified
    for i in np.flatnonzero(types == pr.FPDF_PAGEOBJ_FORM).tolist():
        form_obj = int(objs[i])
        before = int(np.searchsorted(drawn, i))  # the paths drawn before the form
        _paint(arrays, done, before, matrix, height, lines, rects, native)
        done = before
        out = np.zeros(6, dtype=np.float32)
        _obj_matrix(form_obj, out.ctypes.data)
        own = tuple(out.tolist())
        images += _walk(form_obj, True, _mul(own, matrix) if matrix else own, height, lines, rects, native)
    _paint(arrays, done, len(drawn), matrix, height, lines, rects, native)
    return images


def _graphics(page, width: float, height: float, turns: int, native: bool = True) -> tuple[list[Segment], int]:
    """Ruling lines in the reading frame (classified in unrotated user space, then turned)."""
    raw = _addr(page.raw)
    lines: list = []
    rects: list = []
    n_images = _walk(raw, False, None, height, lines, rects, native)
    if turns and (lines or rects):
        lines = _turned(lines, turns, width, height)
        rects = [(*box, stroke) for box, (*_, stroke) in zip(_turned([r[:4] for r in rects], turns, width, height),
                                                             rects)]
    return segments(lines, rects), n_images


def _turned(boxes: list, turns: int, width: float, height: float) -> list:
    if not boxes:
        return []
    x0, x1, top, bottom = np.array(boxes, dtype=np.float64).T
    return list(zip(*(a.tolist() for a in turn_box(x0, x1, top, bottom, turns, width, height))))


# --- pages -----------------------------------------------------------------------------------

def read_page(page, number: int, fonts: _Fonts | None = None) -> PageContent:
    """One page upright: PDFium states sizes as displayed (after /Rotate) but characters and paths
    in unrotated user space, so both are turned into the frame the text reads in."""
    rotation = pr.FPDFPage_GetRotation(page.raw) % 4
    width, height = turned_size(rotation, *page.get_size())  # unrotated
    textpage = page.get_textpage()
    try:
        words, turns = _words(textpage.raw, width, height, rotation, fonts or _Fonts())
    finally:
        textpage.close()
    rulings, n_images = _graphics(page, width, height, turns)
    w, h = turned_size(turns, width, height)
    return PageContent(number, float(w), float(h), words, rulings, n_images,
                       90 * ((turns - rotation) % 4))


def read_pdf(path: Path, max_pages: int = 0) -> Iterator[PageContent]:
    """Yield pages one at a time (each page closed before the next is loaded)."""
    doc = _open(Path(path))
    try:
        n = len(doc)
        if max_pages and n > max_pages:
            raise PageLimitExceeded(n, max_pages)
        for i in range(n):
            try:
                page = doc[i]
            except pdfium.PdfiumError as exc:  # this page's object is broken; the others may be sound
                yield PageContent(i + 1, 0.0, 0.0, [], [], unreadable=f"PdfiumError: {exc}")
                continue
            try:
                yield read_page(page, i + 1)  # font handles are only trusted within their page
            finally:
                page.close()
    finally:
        doc.close()
