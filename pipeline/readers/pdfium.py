"""The page reader on PDFium (pypdfium2): the same PageContent as reader.read_pdf, many times faster.

Words are built exactly as pdfplumber's `extract_words(x_tolerance=1.5, y_tolerance=2,
extra_attrs=["size", "fontname"])` builds them, so everything above the reader sees the same
words: characters in content-stream order, grouped by consecutive (size, font name); each group
clustered into lines by `top` (chained within 2 pt) and sorted by x0 in each line; a word ends at
a blank character, at a gap of more than 1.5 pt, when x goes backwards or `top` jumps by more than
2 pt. Character boxes follow pdfminer's: x0 = origin, x1 = origin + advance, bottom = baseline +
font descent, top = bottom - size (so bottom - top == size).

Speed: ctypes' own cost per call is the bound, so per character there are at most three C calls
(its text object; for real chars its origin; for non-blank ones its advance box), made through
`map` with no Python frame per character and with ready pointer objects instead of argument
conversion; the text of the page comes in one FPDFText_GetText call, and everything else
(grouping, line clustering, word breaks, word boxes) is numpy over the whole page or Python per
text object / per word. Ruling lines come from path objects (segments and draw mode), classified as
pdfminer classifies them (a single segment is a line, a closed axis-aligned four-sided path is a
rectangle), then turned into Segments by reader.segments' rules."""
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
from pipeline.core.model import PageContent, Segment, Word, segments

X_TOL = 1.5
Y_TOL = 2.0

# pdfplumber's default ligature expansion
LIGATURES = str.maketrans({"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"})
# every code point for which str.isspace() is true
_BLANK = np.array([chr(c).isspace() for c in range(0x3002)], dtype=bool)  # the last: any code above


def _addr(handle) -> int:
    return ctypes.cast(handle, ctypes.c_void_p).value or 0


def _proto(fn, restype, *argtypes):
    """The same C function with plain integer arguments: no pointer-type conversion per call."""
    return ctypes.CFUNCTYPE(restype, *argtypes)(_addr(fn))


def _bare(fn, restype):
    """The same C function with no argument types at all, for the per-character calls: given a
    ready pointer object and a small int, ctypes passes them without converting (a third of the
    cost of each call). Only pointers and ints below 2**31 may be passed."""
    return ctypes.CFUNCTYPE(restype)(_addr(fn))


_VP, _INT = ctypes.c_void_p, ctypes.c_int
# per character (font size: per run): (text page, index[, out pointers]); the box and origin calls
# cannot fail on a valid index, so their result is not read
_loose_box = _bare(pr.FPDFText_GetLooseCharBox, None)
_char_origin = _bare(pr.FPDFText_GetCharOrigin, None)
_text_object = _bare(pr.FPDFText_GetTextObject, ctypes.c_size_t)
_font_size = _bare(pr.FPDFText_GetFontSize, ctypes.c_double)
_obj_font = _proto(pr.FPDFTextObj_GetFont, ctypes.c_size_t, _VP)
_font_name = _proto(pr.FPDFFont_GetBaseFontName, ctypes.c_ulong, _VP, ctypes.c_char_p, ctypes.c_ulong)
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
    """Base font name per PDFium font handle (one lookup per font and page)."""

    def __init__(self):
        self.names: dict[int, str] = {}
        self._buf = ctypes.create_string_buffer(256)

    def name(self, font: int) -> str:
        n = self.names.get(font)
        if n is None:
            k = _font_name(font, self._buf, 256) if font else 0
            n = self._buf.value.decode("latin-1") if k else ""
            self.names[font] = n
        return n


class _Scratch(threading.local):
    """Output arrays for the per-character calls with a ctypes pointer object per slot, made once per
    thread (a pointer object costs as much as a call) and grown with the largest page seen."""

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
_WORD_SLOTS = [getattr(Word, f).__set__ for f in ("text", "x0", "x1", "top", "bottom", "size", "bold")]


def _make_words(*columns: list) -> list[Word]:
    """Words from columns of values, one slot at a time: the frozen dataclass's __init__ sets each
    field through object.__setattr__, which costs more than reading the whole page."""
    out = list(map(object.__new__, repeat(Word, len(columns[0]))))
    for put, values in zip(_WORD_SLOTS, columns):
        list(map(put, out, values))
    return out


def _changes(a: np.ndarray) -> np.ndarray:
    """True where a value differs from the one before it, and at the first."""
    out = np.empty(len(a), dtype=bool)
    out[0] = True
    np.not_equal(a[1:], a[:-1], out=out[1:])
    return out


def _words(textpage, height: float, fonts: _Fonts) -> list[Word]:
    tpv = ctypes.c_void_p(_addr(textpage))
    n = pr.FPDFText_CountChars(textpage)
    if n <= 0:
        return []
    buf = (ctypes.c_uint16 * (n + 1))()
    got = pr.FPDFText_GetText(textpage, 0, n, buf)
    codes = np.frombuffer(buf, dtype=np.uint16, count=n).astype(np.uint32)
    if got - 1 != n or ((codes >= 0xD800) & (codes < 0xE000)).any():  # surrogates: one code per char
        codes = np.fromiter((pr.FPDFText_GetUnicode(textpage, i) for i in range(n)), np.uint32, n)
    codes[codes == 0xFFFE] = 0x2D  # PDFium marks a hyphen ending a line; pdfplumber keeps the "-"
    objs = np.fromiter(map(_text_object, repeat(tpv, n), range(n)), dtype=np.uint64, count=n)
    real = np.flatnonzero(objs)  # generated spaces / line breaks have no text object: skipped
    m = len(real)
    if not m:
        return []
    codes, objs = codes[real], objs[real]
    out = _scratch.reserve(m)
    list(map(_char_origin, repeat(tpv, m), real.tolist(), out.x_at[:m], out.y_at[:m]))
    origin = out.origin[:m]
    x0 = origin[:, 0]
    # x1 only matters for non-blank chars: the advance box when the font states ascent/descent,
    # else PDFium's glyph box
    blank = _BLANK[np.minimum(codes, 0x3001)]
    solid = np.flatnonzero(~blank)
    k = len(solid)
    list(map(_loose_box, repeat(tpv, k), real[solid].tolist(), out.box_at[:k]))
    x1 = x0.copy()
    x1[solid] = np.maximum(out.boxes[:k, 2].astype(np.float64), x0[solid])
    # pdfminer: bottom = baseline + descent * size, top = bottom - size. LibreOffice (and most
    # producers' subset fonts) state Descent 0 in the font descriptor, which pdfminer takes as is;
    # PDFium has no call for the descriptor's value, so the baseline is the bottom.
    bottom_c = height - origin[:, 1]

    # per text object (runs of one object): size, font; all its chars share them
    starts = np.flatnonzero(_changes(objs))
    size_o = list(map(_font_size, repeat(tpv, len(starts)), real[starts].tolist()))
    names = list(map(fonts.name, map(_obj_font, objs[starts].tolist())))
    keys: dict[tuple[float, str], int] = {}
    key_o = [keys.setdefault(sn, len(keys)) for sn in zip(size_o, names)]
    run_len = np.diff(starts, append=m)
    size = np.repeat(np.array(size_o), run_len)
    top = bottom_c - size
    key = np.repeat(np.array(key_o), run_len)
    bold = np.repeat(np.array(["bold" in nm.lower() for nm in names]), run_len)

    # pdfplumber: itertools.groupby over (size, fontname) in stream order; in each group, lines
    # are chained clusters of the distinct `top` values (tolerance 2): sorted by (group, top), a
    # line starts with its group or after a step of more than 2 (ids rise with top in a group)
    group = np.cumsum(_changes(key)) - 1
    by_top = np.lexsort((top, group))
    step = _changes(group[by_top])
    step[1:] |= np.diff(top[by_top]) > Y_TOL
    line = np.empty(m, dtype=np.int64)
    line[by_top] = np.cumsum(step)
    # order: group, line, x0 (stable: stream order breaks ties, as Python's sorted does)
    order = np.lexsort((x0, line, group))
    codes, x0, x1, top, size, bold = codes[order], x0[order], x1[order], top[order], size[order], bold[order]
    group, line, blank = group[order], line[order], blank[order]

    keep = np.flatnonzero(~blank)
    if not len(keep):
        return []
    # a blank between two kept chars (in sorted order) ends the word
    nblank = np.cumsum(blank)
    k_prev = keep[:-1]
    k_next = keep[1:]
    brk = np.empty(len(keep), dtype=bool)
    brk[0] = True
    brk[1:] = (
        (nblank[k_next] != nblank[k_prev])
        | (group[k_next] != group[k_prev]) | (line[k_next] != line[k_prev])
        | (x0[k_next] < x0[k_prev]) | (x0[k_next] > x1[k_prev] + X_TOL)
        | (np.abs(top[k_next] - top[k_prev]) > Y_TOL)
    )
    codes, x0, x1, top, size, bold = codes[keep], x0[keep], x1[keep], top[keep], size[keep], bold[keep]
    ws = np.flatnonzero(brk)
    text = codes.astype("<u4").tobytes().decode("utf-32-le")
    bounds = ws.tolist() + [len(codes)]
    texts = [text[a:b] for a, b in zip(bounds, bounds[1:])]
    if not text.isascii():  # ligatures are not ASCII
        texts = [t.translate(LIGATURES) for t in texts]
    return _make_words(texts, np.minimum.reduceat(x0, ws).tolist(), np.maximum.reduceat(x1, ws).tolist(),
                       np.minimum.reduceat(top, ws).tolist(), np.maximum.reduceat(top + size, ws).tolist(),
                       size[ws].tolist(), bold[ws].tolist())


# --- ruling lines ----------------------------------------------------------------------------

def _mul(m, n):
    """Matrix product m then n, as (a, b, c, d, e, f)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


class _Out:
    """Reusable out-parameters for the path calls, passed by address."""

    def __init__(self):
        self.matrix = pr.FS_MATRIX()
        self.x, self.y = ctypes.c_float(), ctypes.c_float()
        self.mode, self.stroke = ctypes.c_int(), ctypes.c_int()
        self.matrix_at, self.x_at, self.y_at = (ctypes.addressof(v) for v in (self.matrix, self.x, self.y))
        self.mode_at, self.stroke_at = ctypes.addressof(self.mode), ctypes.addressof(self.stroke)


def _path_shapes(obj: int, matrix, out: _Out):
    """The subpaths of a path object in pdfminer's terms: (shape string, points in page space)."""
    a, b, c, d, e, f = matrix
    fx, fy = out.x, out.y
    shapes = []
    shape, pts, start = [], [], None
    for i in range(_count_segments(obj)):
        seg = _get_segment(obj, i)
        _seg_point(seg, out.x_at, out.y_at)
        x, y = fx.value, fy.value
        pt = (a * x + c * y + e, b * x + d * y + f)
        typ = _seg_type(seg)
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
        if _seg_close(seg) and start is not None:
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
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), p4 = pts[:5]
        if pts[0] == p4 and ((x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0)
                             or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)):
            rects.append((min(x0, x2), max(x0, x2), height - max(y0, y2), height - min(y0, y2), stroke))


def _walk(objs: list, matrix, height: float, lines: list, rects: list, out: _Out) -> int:
    """Classify the painted paths among `objs` (recursing into forms); the number of images. Text
    objects (most of a page) are skipped by one pass over all types."""
    m = out.matrix
    types = np.fromiter(map(_obj_type, objs), dtype=np.int32, count=len(objs))
    images = 0
    for i in np.flatnonzero(types != pr.FPDF_PAGEOBJ_TEXT).tolist():
        obj, typ = objs[i], int(types[i])
        if typ == pr.FPDF_PAGEOBJ_PATH:
            _draw_mode(obj, out.mode_at, out.stroke_at)
            stroke = out.stroke.value
            if out.mode.value == 0 and not stroke:
                continue  # not painted
            _obj_matrix(obj, out.matrix_at)
            mm = _mul((m.a, m.b, m.c, m.d, m.e, m.f), matrix) if matrix else (m.a, m.b, m.c, m.d, m.e, m.f)
            for shape, pts in _path_shapes(obj, mm, out):
                _classify(shape, pts, bool(stroke), height, lines, rects)
        elif typ == pr.FPDF_PAGEOBJ_IMAGE:
            images += 1
        elif typ == pr.FPDF_PAGEOBJ_FORM:
            _obj_matrix(obj, out.matrix_at)
            mm = _mul((m.a, m.b, m.c, m.d, m.e, m.f), matrix) if matrix else (m.a, m.b, m.c, m.d, m.e, m.f)
            k = _form_count(obj)
            images += _walk(list(map(_form_object, repeat(obj, k), range(k))), mm, height, lines, rects, out)
    return images


def _graphics(page, height: float) -> tuple[list[Segment], int]:
    raw = _addr(page.raw)
    lines: list = []
    rects: list = []
    k = _count_objects(raw)
    n_images = _walk(list(map(_get_object, repeat(raw, k), range(k))), None, height, lines, rects, _Out())
    return segments(lines, rects), n_images


# --- pages -----------------------------------------------------------------------------------

def read_page(page, number: int, fonts: _Fonts | None = None) -> PageContent:
    width, height = page.get_size()
    textpage = page.get_textpage()
    try:
        words = _words(textpage.raw, height, fonts or _Fonts())
    finally:
        textpage.close()
    rulings, n_images = _graphics(page, height)
    return PageContent(number, float(width), float(height), words, rulings, n_images)


def read_pdf(path: Path, max_pages: int = 0) -> Iterator[PageContent]:
    """Yield pages one at a time (each page closed before the next is loaded)."""
    doc = _open(Path(path))
    try:
        n = len(doc)
        if max_pages and n > max_pages:
            raise PageLimitExceeded(n, max_pages)
        for i in range(n):
            page = doc[i]
            try:
                yield read_page(page, i + 1)  # font handles are only trusted within their page
            finally:
                page.close()
    finally:
        doc.close()
