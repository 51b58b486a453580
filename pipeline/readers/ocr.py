"""OCR as a third page reader: scanned (image-only) pages as the same PageContent the text readers
yield, so the parse stage's grid and logical-row reconstruction applies unchanged.

Per page: the page image is rendered at the embedded image's own resolution, straightened (the
skew is measured on the long horizontal ruling lines, or on the text rows when there are none),
the ruling lines are found by morphological opening with long thin kernels and returned as
Segments, and the text is read by Tesseract (Indonesian) column strip by column strip with the
ruling lines erased (a table page read as one block mixes the columns' lines). Word boxes are
converted to PDF points with a top-left origin; each word's top/bottom/size are made the way a
text PDF reports them (from the line's baseline and letter height), so the parse stage's
size-relative tolerances hold. Every word carries Tesseract's confidence (`OcrWord.conf`, 0-100).

Needs the system package tesseract-ocr with tesseract-ocr-ind, and opencv-python-headless and
pytesseract.
"""
from __future__ import annotations

import functools
import os
import re
import subprocess
import tempfile
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from pipeline.core.errors import PageLimitExceeded
from pipeline.core.model import PageContent, Segment, Word

LANG = "ind"
MIN_DPI, MAX_DPI = 100.0, 400.0
OCR_DPI = 300.0  # Tesseract reads small print best at about this resolution
BRIDGE_PT = 8.0  # gaps in a rule shorter than this are noise (a merged cell's gap is a whole column)
PAD_PT = 1.2  # points kept clear of a ruling line when cropping a column strip
LONG_RULE_PT = 36.0  # longer horizontal runs are rules (a serif word's feet run <= ~32 pt; a bar under one word is longer)

# A word's box in points the way a text PDF reports it: `size` the font size, top/bottom one em
# apart around the baseline. Tesseract's box of a word with capitals or ascenders (and no
# descenders) is CAP_EM of the font size tall, of one with only x-height letters X_EM
# (measured on the sample decree's scans against its text layer).
CAP_EM = 0.78
X_EM = 0.58
TOP_EM, BOTTOM_EM = 0.90, 0.10
DESCENDERS = set("gjpqy,;()[]{}|/")
ASCENDERS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789bdfhklt%&?!#@$")
X_ONLY = set("acemnorsuvwxz")


@dataclass(frozen=True, slots=True)
class OcrWord(Word):
    """A word read by OCR, with Tesseract's confidence (0-100)."""
    conf: float = -1.0


def available() -> bool:
    """Tesseract with the Indonesian language data is installed."""
    try:
        import pytesseract
        return "ind" in pytesseract.get_languages(config="")
    except Exception:  # noqa: BLE001 - missing binary or module: no OCR here
        return False


def confidence(words: Iterable[Word]) -> float | None:
    """Lowest OCR confidence (0-1) among the OCR words of `words` (a row's or a cell's words);
    None when none came from OCR (a text PDF). The lowest, not the mean: one misread word is
    enough to send a row to review."""
    cs = [w.conf for w in words if isinstance(w, OcrWord) and w.conf >= 0]
    return round(min(cs) / 100.0, 3) if cs else None


# --- image -----------------------------------------------------------------------------------

@functools.cache
def _cv2():
    """OpenCV on one thread: a page is one core's work (pages and files run in parallel above
    this); OpenCV's own threads cost about twice the CPU time on a busy machine for the same
    result."""
    import cv2
    cv2.setNumThreads(1)
    return cv2


def _components(img: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """cv2.connectedComponentsWithStats (8-connected) with 16-bit labels, a third of the time of
    32-bit ones on a page; 32-bit when a page has more than 65,534 pieces."""
    cv2 = _cv2()
    try:
        return cv2.connectedComponentsWithStats(img, connectivity=8, ltype=cv2.CV_16U)
    except cv2.error:
        return cv2.connectedComponentsWithStats(img, connectivity=8)


def page_image(page) -> tuple[np.ndarray, float, int]:
    """(greyscale image, its dpi, number of image objects) of a pypdfium2 page: rendered at the
    resolution of its largest image, so the scan's pixels are used as they are."""
    import pypdfium2.raw as pdfium_c
    w_pt, _ = page.get_size()
    best, n_images = 0.0, 0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        n_images += 1
        try:
            x0, _, x1, _ = obj.get_bounds()
            px_w, _ = obj.get_px_size()
        except Exception:  # noqa: BLE001 - a broken image object: fall back to the default dpi
            continue
        if x1 - x0 > 0.3 * w_pt:
            best = max(best, px_w / ((x1 - x0) / 72.0))
    dpi = min(MAX_DPI, max(MIN_DPI, best or 200.0))
    img = page.render(scale=dpi / 72.0, grayscale=True).to_numpy()
    if img.ndim == 3:
        img = img[..., 0]
    return np.ascontiguousarray(img), dpi, n_images


def binarise(gray: np.ndarray) -> np.ndarray:
    """Ink mask (255 = ink) by Otsu's threshold. No median filter: it would erase the hairline
    rules (one pixel wide at 150 dpi); isolated specks never survive the long line kernels."""
    cv2 = _cv2()
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return ink


def _long_lines(ink: np.ndarray, length: int, horizontal: bool, hole: int = 2) -> np.ndarray:
    """Runs of ink at least `length` long in one direction; holes narrower than `hole` pixels
    (white specks on a rule) are closed first, or a speck near a rule's end would cut the end off."""
    cv2 = _cv2()
    shape = (hole, 1) if horizontal else (1, hole)
    closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, shape))
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1) if horizontal else (1, length))
    return cv2.morphologyEx(closed, cv2.MORPH_OPEN, k)


def skew_angle(ink: np.ndarray, dpi: float) -> float:
    """Skew in degrees (positive: the content is rotated counter-clockwise), from the long
    horizontal lines; from the text rows' projection profile when the page has none."""
    w = ink.shape[1]
    mask = _long_lines(ink, max(20, int(0.25 * dpi)), True)
    n, labels, stats, _ = _components(mask)
    slopes, weights = [], []
    for k in range(1, n):
        x, y, cw, ch, area = stats[k]
        if cw < 0.2 * w or ch > 0.06 * cw + 8:
            continue
        ys, xs = np.nonzero(labels[y:y + ch, x:x + cw] == k)
        if len(xs) < 50:
            continue
        slope = np.polyfit(xs.astype(np.float64), ys.astype(np.float64), 1)[0]
        slopes.append(slope)
        weights.append(cw)
    if slopes:
        order = np.argsort(slopes)
        s, wt = np.asarray(slopes)[order], np.asarray(weights, dtype=float)[order]
        median = s[np.searchsorted(np.cumsum(wt), wt.sum() / 2)]
        return float(-np.degrees(np.arctan(median)))
    return _profile_angle(ink)


def _profile_angle(ink: np.ndarray) -> float:
    cv2 = _cv2()
    small = cv2.resize(ink, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    h, w = small.shape
    best, best_score = 0.0, -1.0
    for a in np.arange(-2.0, 2.01, 0.1):
        m = cv2.getRotationMatrix2D((w / 2, h / 2), -a, 1.0)
        rot = cv2.warpAffine(small, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
        score = float(np.var(rot.sum(axis=1, dtype=np.float64)))
        if score > best_score:
            best, best_score = float(a), score
    return best


def rotate(gray: np.ndarray, angle: float, scale: float = 1.0) -> np.ndarray:
    """Rotate about the centre by -angle (undoing a skew of `angle`) and enlarge by `scale`, in one
    cubic interpolation, white outside."""
    cv2 = _cv2()
    h, w = gray.shape
    nw, nh = int(round(w * scale)), int(round(h * scale))
    m = cv2.getRotationMatrix2D((w / 2, h / 2), -angle, scale)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(gray, m, (nw, nh), flags=cv2.INTER_CUBIC, borderValue=255)


def flatten(gray: np.ndarray, dpi: float) -> np.ndarray:
    """The page with its background levelled to white (divided by the paper's own brightness,
    estimated by a max filter wider than any stroke): a shadow or a yellowed edge would otherwise
    fall on the ink side of one global threshold and the page's other side lose its pale strokes."""
    cv2 = _cv2()
    f = 36.0 / dpi  # the estimate at 36 dpi: a 7-pixel max filter spans 14 pt, wider than any letter
    small = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    paper = cv2.dilate(small, np.ones((7, 7), np.uint8))
    paper = cv2.GaussianBlur(paper, (0, 0), 3)
    paper = cv2.resize(paper, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    return cv2.divide(gray, np.maximum(paper, 32), scale=255)


def upside_down(ink: np.ndarray, dpi: float) -> bool:
    """Is the (straightened) page turned 180 degrees? First the cheap test: in Latin print the
    ascenders and capitals above the x-height band outweigh the descenders below it, line by line,
    and on a turned page the other way round; only a page where neither clearly does (all
    capitals, figures) is asked of Tesseract's orientation detection (`--psm 0`, about 1.4 s a
    page), whose answer decides."""
    cv2 = _cv2()
    h, w = ink.shape
    up = down = 0.0
    band = max(1, w // 4)  # quarter-page columns: rows of a table's cells share a baseline
    for x in range(0, w - band // 2, band):
        prof = (ink[:, x:x + band] > 0).sum(axis=1).astype(float)
        rows = np.nonzero(prof > 0.02 * band)[0]
        for run in np.split(rows, np.nonzero(np.diff(rows) > 1)[0] + 1):
            if not (4 * dpi / 72 <= len(run) <= 20 * dpi / 72):  # one line of 5-16 pt print
                continue
            p = prof[run]
            core = np.nonzero(p >= 0.5 * p.max())[0]
            up += p[:core[0]].sum()
            down += p[core[-1] + 1:].sum()
    if up > 1.3 * down:
        return False
    if down > 1.6 * up:  # turned pages of the generated scans: 2.1-3.2 (upright ones: up 1.8-4.5 x down)
        return True
    return _osd_rotation(cv2.bitwise_not(ink)) == 180


def _osd_rotation(img: np.ndarray) -> int:
    """Tesseract's orientation (0, 90, 180, 270) of a page image; 0 when it cannot tell."""
    import pytesseract
    try:
        return int(pytesseract.image_to_osd(img, config="--psm 0").split("Rotate:")[1].split()[0])
    except (pytesseract.TesseractError, IndexError, ValueError):
        return 0


# --- ruling lines ----------------------------------------------------------------------------

def ruling_masks(ink: np.ndarray, dpi: float) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical line masks: ink that survives an opening with a kernel longer than
    any letter (horizontal: 14 pt, so fraction bars count; vertical: 9 pt, so a one-line row
    continued from the previous page counts), then short gaps (noise, JPEG) bridged. A short
    horizontal piece meeting no vertical must pass `_free_rule` (letters' feet and tops line up
    into runs as long as a word); a vertical piece must meet a horizontal rule at both ends
    (letters stacked in a bold header do not)."""
    cv2 = _cv2()
    px = dpi / 72.0
    hole = max(2, int(0.75 * px))  # 0.75 pt: a scan's one-pixel speck on a rule, also once enlarged
    h = _long_lines(ink, max(10, int(14 * px)), True, hole)
    v = _long_lines(ink, max(8, int(9 * px)), False, hole)
    gap = max(3, int(1.5 * px))
    h = cv2.morphologyEx(h, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1)))
    v = cv2.morphologyEx(v, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, gap)))
    near_v = cv2.dilate(v, np.ones((2 * gap + 1, 2 * gap + 1), np.uint8))
    n, labels, stats, _ = _components(h)
    for k in range(1, n):  # a short run meeting no vertical may be letters lined up
        x, y, w, hh, _ = stats[k]
        if w >= LONG_RULE_PT * px or near_v[y:y + hh, x:x + 2].any() or near_v[y:y + hh, x + w - 2:x + w].any():
            continue
        if not _free_rule(ink, x, y, w, hh, px):
            h[labels == k] = 0
    near_h = cv2.dilate(h, np.ones((2 * gap + 1, 2 * gap + 1), np.uint8))
    n, labels, stats, _ = _components(v)
    for k in range(1, n):
        x, y, w, hh, _ = stats[k]
        if not (near_h[y:y + gap + 1, x:x + w].any() and near_h[y + hh - gap - 1:y + hh, x:x + w].any()):
            v[labels == k] = 0
    return h, v


def _free_rule(ink: np.ndarray, x: int, y: int, w: int, hh: int, px: float) -> bool:
    """Is a short horizontal run a rule (a fraction bar under the last line of a numerator, a cell
    border) rather than letters lined up (serif feet on a baseline, the tops of capitals, a bold
    word's middle)? A rule has paper within 3 pt on both sides, or text above it that it runs
    under across a space between words (>= 2 pt; letters are closer). Runs along letters have
    letters on one side with no such space."""
    reach, inset = int(3 * px), int(px)
    above = ink[max(0, y - reach):max(0, y - 1), x + inset:x + w - inset]
    below = ink[y + hh + 1:y + hh + reach, x + inset:x + w - inset]
    cols = (above > 0).sum(axis=0) >= 2  # a speck of noise is no letter
    if not cols.any():
        return not ((below > 0).sum(axis=0) >= 2).any()
    inked = np.nonzero(cols)[0]
    return len(inked) > 1 and int(np.diff(inked).max()) - 1 >= 2.0 * px


def mask_segments(hmask: np.ndarray, vmask: np.ndarray, dpi: float) -> list[Segment]:
    """Each connected line piece as one Segment in points (through its middle)."""
    s = 72.0 / dpi
    out: list[Segment] = []
    for mask, horizontal in ((hmask, True), (vmask, False)):
        n, labels, stats, _ = _components(mask)
        for k in range(1, n):
            x, y, w, h, area = stats[k]
            if horizontal:
                if w < 3 * h:
                    continue
                ys = np.nonzero(labels[y:y + h, x:x + w] == k)[0]
                yc = (y + float(np.median(ys)) + 0.5) * s
                out.append(Segment(float(x * s), float(yc), float((x + w) * s), float(yc)))
            else:
                if h < 3 * w:
                    continue
                xs = np.nonzero(labels[y:y + h, x:x + w] == k)[1]
                xc = (x + float(np.median(xs)) + 0.5) * s
                out.append(Segment(float(xc), float(y * s), float(xc), float((y + h) * s)))
    return bridge(out)


def bridge(segments: list[Segment], gap: float = BRIDGE_PT, tol: float = 1.0) -> list[Segment]:
    """Join collinear pieces of one rule separated by less than `gap` points (a rule broken by
    noise or a pale scan). Real openings in a grid (merged cells) span a whole column or row."""
    out: list[Segment] = []
    for horizontal in (True, False):
        segs = [(s.y0, s.x0, s.x1) if horizontal else (s.x0, s.y0, s.y1)
                for s in segments if s.horizontal == horizontal]
        segs.sort()
        rows: list[list[list[float]]] = []  # [[pos, a, b, n], ...] per rule
        for pos, a, b in segs:
            for r in rows:
                if abs(r[0][0] - pos) <= tol:
                    r.append([pos, a, b])
                    break
            else:
                rows.append([[pos, a, b]])
        for r in rows:
            pos = sum(p for p, _, _ in r) / len(r)
            r.sort(key=lambda t: t[1])
            cur = [r[0][1], r[0][2]]
            for _, a, b in r[1:]:
                if a - cur[1] <= gap:
                    cur[1] = max(cur[1], b)
                else:
                    out.append(Segment(cur[0], pos, cur[1], pos) if horizontal else Segment(pos, cur[0], pos, cur[1]))
                    cur = [a, b]
            out.append(Segment(cur[0], pos, cur[1], pos) if horizontal else Segment(pos, cur[0], pos, cur[1]))
    return out


# --- text ------------------------------------------------------------------------------------

TSV_FIELDS = ("block_num", "par_num", "line_num", "left", "top", "width", "height")


def _tesseract_data(images: list[np.ndarray], psm: int) -> list[dict]:
    """Tesseract's words with boxes for each image, all read by one Tesseract process (a list
    file): the language model is loaded once, not once per column strip (about 0.07 s each), and
    the images go as uncompressed PGM (PNG encoding cost about 0.1 s a page). No retry of doubtful
    lines as white on black (a decree has no inverted print; the retry cost about a tenth)."""
    cv2 = _cv2()
    out = [{k: [] for k in ("text", "conf") + TSV_FIELDS} for _ in images]
    if not images:
        return out
    with tempfile.TemporaryDirectory(prefix="iki-ocr-") as tmp:
        names = []
        for i, img in enumerate(images):
            names.append(os.path.join(tmp, f"{i}.pgm"))
            cv2.imwrite(names[-1], img)
        listing = os.path.join(tmp, "images.txt")
        Path(listing).write_text("\n".join(names) + "\n", encoding="utf-8")
        run = subprocess.run(["tesseract", listing, "stdout", "-l", LANG, "--psm", str(psm),
                              "-c", "tessedit_do_invert=0", "tsv"], capture_output=True, check=True)
    rows = run.stdout.decode("utf-8", "replace").splitlines()
    head = rows[0].split("\t") if rows else []
    for row in rows[1:]:
        f = dict(zip(head, row.split("\t")))
        if f.get("level") != "5" or len(f) < len(head):
            continue
        d = out[int(f["page_num"]) - 1]
        d["text"].append(f["text"])
        d["conf"].append(float(f["conf"]))
        for k in TSV_FIELDS:
            d[k].append(int(f[k]))
    return out


def _line_words(data: dict, ox: float, oy: float, scale: float) -> list[OcrWord]:
    """Tesseract's words of one call as OcrWords in points; (ox, oy) the crop's origin in pixels
    of the page image and `scale` points per pixel of the OCR image."""
    lines: dict[tuple, list[int]] = {}
    for i, t in enumerate(data["text"]):
        if t and t.strip() and float(data["conf"][i]) >= 0:
            lines.setdefault((data["block_num"][i], data["par_num"][i], data["line_num"][i]), []).append(i)
    out: list[OcrWord] = []
    for idx in lines.values():
        tops = [data["top"][i] for i in idx]
        bots = [data["top"][i] + data["height"][i] for i in idx]
        texts = [data["text"][i].strip() for i in idx]
        # baseline: bottoms of words without descenders; letter height from words with capitals
        # or ascenders (cap height) or, failing that, x-height words
        base = [b for b, t in zip(bots, texts) if not (set(t) & DESCENDERS)]
        baseline = float(np.median(base)) if base else float(np.median(bots)) - 0.18 * float(np.median([b - t for b, t in zip(bots, tops)]))
        caps = [baseline - t for t, b, x in zip(tops, bots, texts) if set(x) & ASCENDERS and abs(b - baseline) <= 3]
        xs = [baseline - t for t, b, x in zip(tops, bots, texts) if set(x) <= X_ONLY and abs(b - baseline) <= 3]
        if caps:
            em = float(np.median(caps)) / CAP_EM
        elif xs:
            em = float(np.median(xs)) / X_EM
        else:
            em = float(np.median([b - t for b, t in zip(bots, tops)])) / 0.93
        size = round(em * scale * 2) / 2  # fonts are set in half points
        top = (oy + baseline - TOP_EM * em) * scale
        bottom = (oy + baseline + BOTTOM_EM * em) * scale
        for i, text in zip(idx, texts):
            x0 = (ox + data["left"][i]) * scale
            x1 = (ox + data["left"][i] + data["width"][i]) * scale
            out.append(OcrWord(text, x0, x1, top, bottom, size, False, float(data["conf"][i])))
    return out


def _prepare(img: np.ndarray, dpi: float, threshold: float) -> np.ndarray | None:
    """A region as Tesseract gets it: at OCR_DPI, paper at the page's `threshold` made white
    (Tesseract's own threshold on a mostly blank crop falls into the grain and reads noise as
    words), glyph edges kept grey, a white border; None when it holds no ink."""
    cv2 = _cv2()
    if img.size == 0 or img.shape[0] < 8 or img.shape[1] < 8 or not (img < threshold).any():
        return None
    f = OCR_DPI / dpi
    big = cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC) if abs(f - 1) > 0.05 else img
    _, big = cv2.threshold(big, (threshold + 255) / 2, 255, cv2.THRESH_TRUNC)
    big = cv2.normalize(big, None, 0, 255, cv2.NORM_MINMAX)
    return cv2.copyMakeBorder(big, 10, 10, 10, 10, cv2.BORDER_CONSTANT, value=255)


def _compact(img: np.ndarray, threshold: float, keep: int) -> tuple[np.ndarray, np.ndarray, int]:
    """A region without its blank margins and with every blank band between lines of ink cut to
    2 x `keep` rows: (the compacted image, the region's row of each of its rows, its first column).
    Tesseract's time grows with the paper it is given (a blank 300 dpi page costs it half a
    second), and a page's flow text is mostly paper once the tables are blanked."""
    ink = img < threshold
    rows = ink.any(axis=1)
    kept = np.nonzero(np.convolve(rows, np.ones(2 * keep + 1), mode="same") > 0)[0]
    cols = np.nonzero(ink.any(axis=0))[0]
    if not len(kept) or not len(cols):
        return img[:0], kept, 0
    x0, x1 = max(0, cols[0] - keep), min(img.shape[1], cols[-1] + keep + 1)
    return img[kept, x0:x1], kept, x0


def _ocr(regions: list[tuple[np.ndarray, float, float]], dpi: float, psm: int, threshold: float) -> list[list[OcrWord]]:
    """OCR regions (crops of the page image of `dpi`, each with its top-left (ox, oy) in pixels),
    compacted, in one Tesseract process; the words of each region in points of the page."""
    compact = [_compact(img, threshold, int(6 * dpi / 72.0)) for img, _, _ in regions]
    prepared = [_prepare(c[0], dpi, threshold) for c in compact]
    data = iter(_tesseract_data([p for p in prepared if p is not None], psm))
    f = OCR_DPI / dpi if abs(OCR_DPI / dpi - 1) > 0.05 else 1.0
    out = []
    for big, (_, kept, x0), (_, ox, oy) in zip(prepared, compact, regions):
        if big is None:
            out.append([])
            continue
        d = next(data)
        last = len(kept) - 1
        top = [kept[min(last, max(0, int((v - 10) / f)))] for v in d["top"]]
        d["height"] = [kept[min(last, max(0, int((t + h - 10) / f) - 1))] + 1 - t0
                       for t, h, t0 in zip(d["top"], d["height"], top)]
        d["top"] = top
        d["left"] = [(v - 10) / f + x0 for v in d["left"]]
        d["width"] = [v / f for v in d["width"]]
        out.append(_line_words(d, ox, oy, 72.0 / dpi))
    return out


def _tables(hmask: np.ndarray, vmask: np.ndarray, dpi: float) -> list[tuple[int, int, int, int, list[int]]]:
    """Table regions in pixels (x0, y0, x1, y1, column borders x) from the line masks."""
    cv2 = _cv2()
    both = cv2.bitwise_or(hmask, vmask)
    both = cv2.dilate(both, np.ones((3, 3), np.uint8))
    n, labels, stats, _ = _components(both)
    out = []
    for k in range(1, n):
        x, y, w, h, _ = stats[k]
        if w < 100 * dpi / 72 or h < 10 * dpi / 72:
            continue
        sub = vmask[y:y + h, x:x + w]
        cols = (sub > 0).sum(axis=0)
        xs = np.nonzero(cols > 0.3 * h)[0]
        if len(xs) < 2:
            continue
        borders, run = [], [xs[0]]
        for v in xs[1:]:
            if v - run[-1] <= 3:
                run.append(v)
            else:
                borders.append(x + int(np.mean(run)))
                run = [v]
        borders.append(x + int(np.mean(run)))
        if len(borders) >= 2:
            out.append((int(x), int(y), int(x + w), int(y + h), borders))
    out.sort(key=lambda t: -(t[2] - t[0]) * (t[3] - t[1]))
    kept: list[tuple[int, int, int, int, list[int]]] = []
    for t in out:  # a piece inside a bigger table (a broken rule) is not a table of its own
        if not any(k[0] - 3 <= t[0] and t[2] <= k[2] + 3 and k[1] - 3 <= t[1] and t[3] <= k[3] + 3 for k in kept):
            kept.append(t)
    return sorted(kept, key=lambda t: t[1])


def despeckle(gray: np.ndarray, ink: np.ndarray, dpi: float) -> np.ndarray:
    """The page with isolated specks (ink blobs of a few pixels) whitened; letters' dots stay."""
    _, labels, stats, _ = _components(ink)
    small = stats[:, 4] <= max(2, int(2 * (dpi / 150.0) ** 2))
    small[0] = False
    out = gray.copy()
    out[small[labels]] = 255
    return out


def find_colons(ink: np.ndarray, dpi: float) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, top, x1, bottom in pixels) of colons: two round dots of the same size one above
    the other, nothing between them. Tesseract often drops a spaced-out colon or reads it as
    '1', '"' or "'"; the label lines of a decree ('Jabatan : ...') depend on it."""
    px = dpi / 72.0
    n, labels, stats, cents = _components(ink)
    dots = []
    for k in range(1, n):
        x, y, w, h, area = stats[k]
        if not (0.5 * px <= w <= 2.4 * px and 0.5 * px <= h <= 2.4 * px):
            continue
        if area < 3 or area < 0.45 * w * h or not (0.5 <= w / h <= 2.0):
            continue
        dots.append((float(cents[k][0]), float(cents[k][1]), int(x), int(y), int(w), int(h), k))
    dots.sort(key=lambda d: d[0])
    out = []
    used: set[int] = set()
    for i, a in enumerate(dots):
        if a[6] in used:
            continue
        for b in dots[i + 1:]:
            if b[0] - a[0] > 1.5 * px:
                break
            if b[6] in used:
                continue
            up, lo = (a, b) if a[1] < b[1] else (b, a)
            dist = lo[1] - up[1]
            size = max(up[4], up[5], lo[4], lo[5])
            if not (2.0 * px <= dist <= 6.5 * px and dist >= 1.8 * size):
                continue
            if max(up[5], lo[5]) > 1.6 * min(up[5], lo[5]) + 1 or max(up[4], lo[4]) > 1.6 * min(up[4], lo[4]) + 1:
                continue
            x0, x1 = min(up[2], lo[2]), max(up[2] + up[4], lo[2] + lo[4])
            y0, y1 = up[3], lo[3] + lo[5]
            between = labels[up[3] + up[5]:lo[3], x0:x1]
            if (between > 0).any():
                continue
            side = max(1, int(round(1.0 * px)))  # free space on one side at least: not inside a word
            left = ink[y0:lo[3] + lo[5], max(0, x0 - side):x0]
            right = ink[y0:lo[3] + lo[5], x1:x1 + side]
            if (left > 0).any() and (right > 0).any():
                continue
            out.append((x0, y0, x1, y1))
            used |= {a[6], b[6]}
            break
    return out


UNKNOWN_WORD_CONF = 50.0  # a word in no dictionary is doubtful however sure Tesseract is ('perhitungari')
_AFFIXES = re.compile(r"^(?:ter|di|ke|se|ber|per)?(.+?)(?:nya|lah|kah)?$")


@functools.cache
def lexicon() -> frozenset[str]:
    """Tesseract's own Indonesian word list (lower case), unpacked from ind.traineddata with
    combine_tessdata and dawg2wordlist (tesseract-ocr ships both); empty when they are missing,
    and then no word is doubted for its spelling."""
    try:
        out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30).stdout
        folder = Path(re.search(r'"(.+?)"', out).group(1))
        with tempfile.TemporaryDirectory(prefix="iki-ocr-") as tmp:
            base = Path(tmp) / "ind."
            subprocess.run(["combine_tessdata", "-u", str(folder / f"{LANG}.traineddata"), str(base)],
                           capture_output=True, check=True, timeout=60)
            words = Path(tmp) / "words.txt"
            subprocess.run(["dawg2wordlist", f"{base}lstm-unicharset", f"{base}lstm-word-dawg", str(words)],
                           capture_output=True, check=True, timeout=60)
            return frozenset(w.lower() for w in words.read_text(encoding="utf-8").split())
    except (OSError, subprocess.SubprocessError, AttributeError):
        return frozenset()


def known(text: str) -> bool:
    """Is every word of `text` spelled as Indonesian (Tesseract's word list, with the particles
    -nya/-lah/-kah and the prefixes ter-/di-/ke-/se-/ber-/per- that attach to any base word), an
    acronym (capitals, up to 6 letters: SPBE, RPJMD), a number or a single letter? A quote or
    colon between letters ("ses'ai", "Kab:ipaten") is a misread."""
    words = lexicon()
    if not words:
        return True
    for piece in re.split(r"[\s/,.;-]+", text):
        core = piece.strip(".,;:()[]\"'“”‘’!?")
        if len(core) < 2 or any(c.isdigit() for c in core):
            continue
        if not core.isalpha():
            return False
        low = core.lower()
        if (core.isupper() and len(core) <= 6) or low in words:
            continue
        stem = _AFFIXES.match(low)
        if stem.group(1) not in words and not (low.endswith(("nya", "lah", "kah")) and low[:-3] in words):
            return False
    return True


BAD_LEAD = re.compile(r"^[\"'“”‘’`]+(?=\w)")
PERCENT = re.compile(r"96|9o|%|6|[4-7]6|\u201d6|[%YyVv¥][6o0cC]|%\S|[\u201d\"'\u00b0]")  # '%' as Tesseract misreads it
NUM_COMMA = re.compile(r"^(\(?\d{1,2}|[a-z]),$")


def tidy(words: list[OcrWord]) -> list[OcrWord]:
    """Repairs of Tesseract's usual slips that the parse stage would trip over: list numbers read
    with a comma ('1,' at a line start is '1.'), stray quotes glued to a word's start, the percent
    sign read as '96' after 'X 100'; lone specks read as punctuation dropped. A word that is in no
    dictionary (`known`) gets at most UNKNOWN_WORD_CONF, so its row goes to review."""
    out: list[OcrWord] = []
    prev: OcrWord | None = None
    for w in sorted(words, key=lambda w: (round(w.top, 1), w.x0)):
        t = w.text
        line_start = prev is None or abs(prev.top - w.top) > 0.3 * w.size or w.x0 < prev.x0
        t = BAD_LEAD.sub("", t)
        if line_start and NUM_COMMA.match(t):
            t = t[:-1] + "."
        t = t.strip("|")
        m = re.fullmatch(r"100(\S{1,2})", t)
        if m and not m.group(1).isdigit() and PERCENT.fullmatch(m.group(1)):
            t = "100%"
        if prev is not None and not line_start and prev.text in ("X", "x", "×", "*"):
            if re.fullmatch(r"100[^\s\d]\S{0,2}|100\d\S{0,2}", t) and t != "1000":
                t = "100%"  # 'X 100%' with the sign misread ('1006', '10046', '100Y6')
        if prev is not None and not line_start and prev.text == "100" and PERCENT.fullmatch(t):
            t = "%"
        if not re.search(r"[\w%]", t) and w.conf < (20 if t in (":", "-", "/", "(", ")", "&", "+", "=") else 60):
            continue  # a speck read as a mark; a sign Tesseract is not wholly unsure of stays
        if t in (".", ",", ";") and (line_start or w.x0 - prev.x1 > 0.5 * w.size):
            continue  # a closing mark stands against its word: one apart from any is a speck
        if w.conf < 10 and w.x1 - w.x0 < 0.25 * w.size * len(t):
            continue  # narrower than its letters: a speck or a rule's remnant ('h' 0.5 pt wide)
        if not t:
            continue
        conf = w.conf if known(t) else min(w.conf, UNKNOWN_WORD_CONF)
        nw = OcrWord(t, w.x0, w.x1, w.top, w.bottom, w.size, w.bold, conf) if (t, conf) != (w.text, w.conf) else w
        out.append(nw)
        prev = nw
    return out


# --- the document's own conventions -------------------------------------------------------------

LABEL = re.compile(r"^(?:\(?(\d{1,2})[.)]|\(?([a-z])[.)])$")
SIMILAR_MARK = {";": ",:.", ".": ",:"}  # what Tesseract reads a list item's closing mark as
CONJUNCTIONS = ("dan", "atau", "serta")


def _text_lines(words: list[OcrWord]) -> list[list[OcrWord]]:
    """Words of one region as lines (left to right), top to bottom."""
    lines: list[list[OcrWord]] = []
    for w in sorted(words, key=lambda w: (w.top, w.x0)):
        if lines and abs(lines[-1][0].top - w.top) <= 0.3 * w.size:
            lines[-1].append(w)
        else:
            lines.append([w])
    return [sorted(ln, key=lambda w: w.x0) for ln in lines]


def _list_runs(lines: list[list[OcrWord]]) -> list[list[tuple[int, OcrWord]]]:
    """Numbered lists: labels ('1.', 'a.', '1)', '(2)') opening a line or following a ':', at the
    same x, numbered one after the other; each run as (line index, label word)."""
    runs: list[list[tuple[int, OcrWord]]] = []
    for li, ln in enumerate(lines):
        for wi, w in enumerate(ln[:4]):  # '3. Fungsi : 1. Menyusun ...' opens two lists
            if LABEL.match(w.text) and (wi == 0 or ln[wi - 1].text.endswith(":")):
                run = next((r for r in runs if abs(r[-1][1].x0 - w.x0) <= 0.5 * w.size
                            and _label_value(r[-1][1]) == _label_value(w) - 1), None)
                runs.append([(li, w)]) if run is None else run.append((li, w))
    return [r for r in runs if len(r) >= 3]


def _label_value(w: OcrWord) -> int:
    m = LABEL.match(w.text)
    return int(m.group(1)) if m.group(1) else ord(m.group(2)) - 96


def _item_end(lines: list[list[OcrWord]], first: int, last: int, x: float) -> OcrWord | None:
    """The word that closes a list item (lines `first`..`last`, text right of the label at `x`);
    the word before a closing 'dan' / 'atau' ('...; dan')."""
    for ln in reversed(lines[first:last + 1]):
        right = [w for w in ln if w.x0 > x]
        if right:
            end = right[-1]
            if end.text.lower() in CONJUNCTIONS and len(right) > 1:
                end = right[-2]
            return end
    return None


def lists_alike(words: list[OcrWord]) -> list[OcrWord]:
    """Items of one numbered list close alike: when most of the items (but the last) that end in a
    mark end in ';' (or '.'), an item that ends in a mark Tesseract confuses with it (',' or ':'
    for ';') is given the list's mark, and its confidence is lowered so the row still goes to review. Nothing is added where no
    mark was read: that would be a guess, not the document's own convention."""
    lines = _text_lines(words)
    fixed: dict[int, OcrWord] = {}
    for run in _list_runs(lines):
        ends = [_item_end(lines, li, run[k + 1][0] - 1 if run[k + 1][0] > li else li, w.x0)
                for k, (li, w) in enumerate(run[:-1])]
        marks = Counter(e.text[-1] for e in ends if e is not None and e.text[-1] in ";.,:")
        if not marks:
            continue
        mark, n = marks.most_common(1)[0]
        if mark not in SIMILAR_MARK or n < 2 or 2 * n <= sum(marks.values()):
            continue
        for e in ends:
            if e is not None and e.text[-1] in SIMILAR_MARK[mark] and e.text[-1] != mark:
                fixed[id(e)] = replace(e, text=e.text[:-1] + mark, conf=min(e.conf, UNKNOWN_WORD_CONF))
    return [fixed.get(id(w), w) for w in words]


MARKS = ",;:."


def closing_marks(words: list[OcrWord], ink: np.ndarray, dpi: float) -> list[OcrWord]:
    """A line's last word's closing mark (',', ';', ':', '.') as its pixels show it: the glyph
    after the word's last gap, one blob or two, reaching below the letters' baseline or not; a mark
    Tesseract dropped after the word is added the same way. Tesseract reads a small ';' as ',' or
    ':' or not at all (most list items of a scanned 'Fungsi'); a mark put right keeps at most
    UNKNOWN_WORD_CONF, so its row is reviewed."""
    px = dpi / 72.0
    out = []
    for ln in _text_lines(words):
        for i, w in enumerate(ln):
            mark = w.text[-1] if len(w.text) > 1 and w.text[-1] in MARKS else ""
            if (mark or i == len(ln) - 1) and not LABEL.match(w.text):
                seen = _mark_shape(ink, w, px, bool(mark), mark in ",;")
                if seen is None and not mark and w.text.isdigit():  # '3.' read '3': the dot
                    seen = _mark_shape(ink, w, px, True, False)  # inside the number's box
                if seen and seen != mark:
                    text = (w.text[:-1] if mark else w.text) + seen
                    w = replace(w, text=text, conf=min(w.conf, UNKNOWN_WORD_CONF))
            out.append(w)
    return out


def doubled_marks(words: list[OcrWord]) -> list[OcrWord]:
    """Without a lone mark read just after a word that already ends in one: the same glyph read
    twice (Tesseract reads a ';' as the word's ',' and a line of its own, or `find_colons` finds
    the ';' the word holds)."""
    ends = [w for w in words if len(w.text) > 1 and w.text[-1] in MARKS]
    return [w for w in words if not (len(w.text) == 1 and w.text in MARKS and any(
        -0.5 <= w.x0 - e.x1 <= 0.3 * e.size and w.top < e.bottom and w.bottom > e.top for e in ends))]


def _mark_shape(ink: np.ndarray, w: OcrWord, px: float, inside: bool, tail: bool) -> str | None:
    """',', ';', ':' or '.' from the ink of the word's last glyph (`inside`) or of a glyph just
    after the word; None when there is no such mark. The baseline is the letters' own; `tail`
    whether Tesseract read a mark with a tail (',' ';'), which settles a drop too small to tell."""
    em = w.size * px
    y0 = max(0, int((w.bottom - BOTTOM_EM * w.size) * px - 0.85 * em))
    y1 = int(w.bottom * px + 0.25 * em) + 1
    x0, x1 = max(0, int(w.x0 * px)), int(w.x1 * px + (1 if inside else 0.45 * em)) + 1
    box = ink[y0:y1, x0:x1] > 0
    cols = np.nonzero(box.any(axis=0))[0]
    gaps = np.nonzero(np.diff(cols) > 1)[0]
    if not len(gaps):
        return None
    first = cols[gaps[-1] + 1]
    if not inside and first < w.x1 * px - x0 - 1:
        return None  # the ink after the last gap is the word's own last letter
    letters, last = box[:, :cols[gaps[-1]] + 1], box[:, first:cols[-1] + 1]
    if last.shape[1] > 0.2 * em or not letters.any():
        return None  # wider than any mark: a letter
    lows = [np.nonzero(c)[0][-1] for c in letters.T if c.any()]
    base = float(np.median(lows))
    rows = np.nonzero(last.sum(axis=1) >= 2)[0]  # rows of one pixel are grain
    if not len(rows):
        return None
    blobs = [b for b in np.split(rows, np.nonzero(np.diff(rows) > 1)[0] + 1) if len(b) >= 2]
    if not blobs:
        return None
    rows = np.concatenate(blobs)
    if rows[-1] >= box.shape[0] - 1:
        return None  # ink running out of the box below: the next line's ascender, not a tail
    if min(last.shape[1], rows[-1] - rows[0] + 1) < 0.08 * em:
        return None  # smaller than a dot (>= 0.11 em each way in the generated scans): JPEG grain
    if rows[0] < base - 0.6 * em or len(blobs) > 2 or rows[-1] < base - 0.15 * em:
        return None  # up to cap height, three pieces or floating: a letter, a quote or noise
    drop = (rows[-1] - base) / em  # a comma's tail reaches ~0.15 em below the baseline, a dot ~0
    below = drop > 0.12 or (drop > 0.04 and tail)  # in between, Tesseract's reading decides
    if len(blobs) == 2:
        return ";" if below else ":"
    return "," if below else "."


# weighted edits for `respell`: Tesseract's usual confusions cost half an edit (descenders cut off by
# a rule: y/v, g/a/q, p/o/n, j/i; thin strokes lost or split: i, l, r, t, I; letters run together)
CONFUSED = {frozenset(p) for p in ("yv", "ga", "gq", "po", "pn", "qa", "ji", "il", "lI", "l1", "o0", "ce",
                                     "ec", "ft", "rt", "hb", "un", "ou", "mn", "r:", "i:")}
THIN = set("iltrfI.:'")
OTHER_EDIT = 1.5  # any other edit is more than `respell` accepts: 'Prambon' is no misread 'primbon',
# 'PENELAAH' no misread 'MENELAAH'
GLUED = {("rn", "m"), ("ri", "n"), ("ii", "n"), ("in", "m"), ("cl", "d"), ("li", "h"), ("ni", "m"), ("ri", "d")}


def _cost(a: str, b: str) -> float:
    """Edit cost from the OCR reading `a` to the word `b` with Tesseract's confusions cheap."""
    n, m = len(a), len(b)
    d = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        d[i][0] = d[i - 1][0] + (0.5 if a[i - 1] in THIN else OTHER_EDIT)
    for j in range(1, m + 1):
        d[0][j] = d[0][j - 1] + (0.5 if b[j - 1] in THIN else OTHER_EDIT)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            sub = 0.0 if a[i - 1] == b[j - 1] else 0.5 if frozenset((a[i - 1], b[j - 1])) in CONFUSED else OTHER_EDIT
            best = min(d[i - 1][j - 1] + sub, d[i - 1][j] + (0.5 if a[i - 1] in THIN else OTHER_EDIT),
                       d[i][j - 1] + (0.5 if b[j - 1] in THIN else OTHER_EDIT))
            if i > 1 and (a[i - 2:i], b[j - 1]) in GLUED:
                best = min(best, d[i - 2][j - 1] + 0.5)
            if j > 1 and (b[j - 2:j], a[i - 1]) in GLUED:
                best = min(best, d[i - 1][j - 2] + 0.5)
            d[i][j] = best
    return d[n][m]


@functools.cache
def _lexicon_list() -> tuple[str, ...]:
    return tuple(sorted(lexicon()))


def respell(words: list[OcrWord]) -> list[OcrWord]:
    """Words in no dictionary put right when one word of Tesseract's Indonesian list is clearly the
    near under its usual confusions (at most two half-edits: 'vana' -> 'yang', 'NDIKATOR' ->
    'INDIKATOR'): the one the page itself reads surely most often, else the single nearest; on a
    tie nothing is changed. The
    case is the reading's; the confidence stays at most UNKNOWN_WORD_CONF, so the row is reviewed."""
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein
    if not lexicon():
        return words
    used = Counter(w.text.strip(".,;:()").lower() for w in words if w.conf > UNKNOWN_WORD_CONF)
    out = []
    for w in words:
        m = re.fullmatch(r"([(\"'“]*)(.*?\w)([.,;:)]*)", w.text)
        core = m.group(2) if m else ""
        if w.conf > UNKNOWN_WORD_CONF or len(core) < 3 or known(core) or sum(c.isdigit() for c in core):
            out.append(w)
            continue
        low = core.lower()
        near = process.extract(low, _lexicon_list(), scorer=Levenshtein.distance, score_cutoff=2, limit=None)
        fits = [(c, _cost(low, c)) for c, _, _ in near]
        fits = [(-used[c] if used[c] >= 2 else 0, cost, c) for c, cost in fits if cost <= 1.0]
        ranked = sorted(fits)  # the page's own words first, then the cheapest
        if not ranked or (len(ranked) > 1 and ranked[1][:2] == ranked[0][:2]):
            out.append(w)
            continue
        word = ranked[0][2]
        upper = 2 * sum(c.isupper() for c in core) > len(core)  # 'NDIKATuR' is upper case
        word = word.upper() if upper else word.capitalize() if core[0].isupper() else word
        out.append(replace(w, text=m.group(1) + word + m.group(3)))
    return out


def _place_colons(words: list[OcrWord], colons: list[tuple[int, int, int, int]], dpi: float) -> list[OcrWord]:
    """The detected colons as words, on the line whose height they share; OCR words that are only
    the colon misread (at most 2 characters over its box) are dropped."""
    s = 72.0 / dpi
    out = list(words)
    for x0, y0, x1, y1 in colons:
        bx0, bx1, cy = x0 * s, x1 * s, (y0 + y1) / 2 * s
        out = [w for w in out if not (len(w.text) <= 2 and w.x0 - 0.5 <= bx1 and w.x1 + 0.5 >= bx0
                                        and w.top <= cy <= w.bottom)]
        near = [w for w in out if w.top <= cy <= w.bottom]
        if near:
            ref = min(near, key=lambda w: min(abs(w.x0 - bx1), abs(w.x1 - bx0)))
            top, bottom, size = ref.top, ref.bottom, ref.size
        else:
            em = (y1 - y0) * s / X_EM
            base = y1 * s
            top, bottom, size = base - TOP_EM * em, base + BOTTOM_EM * em, round(em * 2) / 2
        out.append(OcrWord(":", bx0, bx1, top, bottom, size, False, 90.0))
    return out


def erase_mask(ink: np.ndarray, hmask: np.ndarray, vmask: np.ndarray, dpi: float) -> np.ndarray:
    """The pixels to whiten before OCR: the rules and a pixel around them, except where a stroke
    runs through a rule that stands free inside a cell (a fraction bar under the numerator cuts
    its descenders, and 'yang' without them reads 'vana'): a stroke (ink at least 3 px tall, not
    the grain or the JPEG fringe along the rule) touching the band from above, ink (two pixels
    wide, not a speck) on its other side. What the band still cuts off is left to `correct`."""
    cv2 = _cv2()
    lines = cv2.bitwise_or(cv2.dilate(hmask, np.ones((3, 5), np.uint8)), cv2.dilate(vmask, np.ones((5, 3), np.uint8)))
    gap = max(3, int(1.5 * dpi / 72.0))
    near_v = cv2.dilate(vmask, np.ones((2 * gap + 1, 2 * gap + 1), np.uint8))
    n, labels, stats, _ = _components(hmask)
    free = np.zeros_like(hmask)
    for k in range(1, n):
        x, y, w, h, _ = stats[k]
        if not (near_v[y:y + h, x:x + 2].any() or near_v[y:y + h, x + w - 2:x + w].any()):
            free[y:y + h, x:x + w][labels[y:y + h, x:x + w] == k] = 255
    if not free.any():
        return lines
    rest = cv2.bitwise_and(ink, cv2.bitwise_not(lines))  # strokes only: grain and the rule's JPEG
    rest = cv2.morphologyEx(rest, cv2.MORPH_OPEN, np.ones((3, 1), np.uint8))  # fringe are < 3 px tall
    keep = np.zeros_like(lines)
    n, labels, stats, _ = _components(free)
    for k in range(1, n):  # per column: the band's top and bottom, ink touching both
        x, y, w, h, _ = stats[k]
        y0, y1 = max(2, y - 2), min(lines.shape[0] - 2, y + h + 2)
        band = lines[y0:y1, x:x + w] > 0
        if not band.any(axis=0).all():
            continue
        top = y0 + band.argmax(axis=0)
        bottom = y1 - 1 - band[::-1].argmax(axis=0)
        cols = np.arange(x, x + w)
        touch_up = (rest[top - 1, cols] > 0) | (rest[top - 2, cols] > 0)
        out_below = (ink[bottom + 1, cols] > 0) & (ink[bottom + 1, np.clip(cols + 1, 0, ink.shape[1] - 1)] > 0)
        for c in np.nonzero(touch_up & out_below)[0]:
            keep[top[c]:bottom[c] + 1, x + c] = 255
    return cv2.bitwise_and(lines, cv2.bitwise_not(keep))


def _edges_cleared(strip: np.ndarray, threshold: float, k: int) -> np.ndarray:
    """A column strip without what is left of its border rules (a rule a little off vertical
    leaves a dark sliver along the crop's edge that makes Tesseract drop the first word of
    each line): columns within `k` pixels of an edge that are dark over much of the height."""
    dark = strip < (threshold + 255) / 2
    frac = dark.mean(axis=0)
    w = strip.shape[1]
    for j in list(range(min(k, w))) + list(range(max(0, w - k), w)):
        if frac[j] > 0.25:
            strip[:, j] = 255
    return strip


def read_image(gray: np.ndarray, dpi: float, number: int = 1, n_images: int = 1,
               width: float | None = None, height: float | None = None) -> PageContent:
    """One page image (greyscale, `dpi`) to PageContent: background levelled, straightened, turned
    the right way up, rules found and erased, each table column and the rest read on their own,
    list items closed alike per region, misspellings put right against the word list."""
    cv2 = _cv2()
    gray = flatten(gray, dpi)
    ink = binarise(gray)
    angle = skew_angle(ink, dpi)
    scale = OCR_DPI / dpi if dpi < 0.9 * OCR_DPI else 1.0
    if scale != 1.0:  # specks before enlarging: the cubic spreads one pixel into a dot of several
        gray = despeckle(gray, ink, dpi)
    if abs(angle) > 0.05 or scale != 1.0:
        gray, dpi = rotate(gray, angle, scale), dpi * scale
    threshold, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    if upside_down(ink, dpi):
        gray, ink = np.ascontiguousarray(gray[::-1, ::-1]), np.ascontiguousarray(ink[::-1, ::-1])
    hmask, vmask = ruling_masks(ink, dpi)
    segments = mask_segments(hmask, vmask, dpi)
    lines = erase_mask(ink, hmask, vmask, dpi)
    clean = despeckle(gray, ink, dpi)
    clean[lines > 0] = 255
    px = dpi / 72.0
    pad = int(round(PAD_PT * px))
    words: list[OcrWord] = []
    flow = clean.copy()
    marks_ink = np.where(clean < threshold, 255, 0).astype(np.uint8)  # specks and rules gone
    strips = []
    for x0, y0, x1, y1, borders in _tables(hmask, vmask, dpi):
        flow[y0:y1, x0:x1] = 255
        strips += [(_edges_cleared(clean[y0:y1, a + pad:b - pad].copy(), threshold, 2 * pad), a + pad, y0)
                   for a, b in zip(borders, borders[1:]) if b - a >= 4 * pad]
    for read in _ocr(strips, dpi, 6, threshold):
        words += lists_alike(doubled_marks(closing_marks(tidy(read), marks_ink, dpi)))
    _, flow_ink = cv2.threshold(flow, threshold, 255, cv2.THRESH_BINARY_INV)
    colons = find_colons(flow_ink, dpi)
    for x0, y0, x1, y1 in colons:
        flow[y0:y1, x0:x1] = 255
    words += lists_alike(doubled_marks(_place_colons(closing_marks(tidy(_ocr([(flow, 0, 0)], dpi, 4, threshold)[0]),
                                                                 marks_ink, dpi), colons, dpi)))
    h, w = gray.shape
    return PageContent(number, width or w / px, height or h / px, respell(words), segments, n_images)


def read_pdf(path: Path, max_pages: int = 0, pages: Iterable[int] | None = None,
             threads: int = 1) -> Iterator[PageContent]:
    """Yield every page (or the 1-based `pages`) read by OCR, in page order. With `threads` > 1
    the pages of one document are read in parallel (page-range parallelism for a long scan when
    the run has fewer files than workers): PDFium renders them one at a time here (it is not
    thread-safe), the image work and Tesseract's processes run in threads."""
    import pypdfium2 as pdfium
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    doc = pdfium.PdfDocument(str(path))
    try:
        if max_pages and len(doc) > max_pages:
            raise PageLimitExceeded(len(doc), max_pages)
        wanted = set(pages) if pages is not None else None
        numbers = [i + 1 for i in range(len(doc)) if wanted is None or i + 1 in wanted]

        def rendered(number: int) -> tuple:
            page = doc[number - 1]
            try:
                w, h = page.get_size()
                gray, dpi, n_images = page_image(page)
            finally:
                page.close()
            return gray, dpi, number, n_images, float(w), float(h)

        if threads <= 1 or len(numbers) < 2:
            for number in numbers:
                yield read_image(*rendered(number))
            return
        with ThreadPoolExecutor(threads) as pool:
            ahead: deque = deque()  # at most 2 x threads page images in memory
            for number in numbers:
                ahead.append(pool.submit(read_image, *rendered(number)))
                if len(ahead) >= 2 * threads:
                    yield ahead.popleft().result()
            while ahead:
                yield ahead.popleft().result()
    finally:
        doc.close()


# --- speed ---------------------------------------------------------------------------------------

def timed_read(path: Path, pages: Iterable[int] | None = None, threads: int = 1) -> tuple[list[PageContent], float]:
    """(pages read by OCR, wall seconds per page) of a scanned PDF: the figure `make bench` and
    tests/test_ocr.py report (issue 8: under 10 s a page)."""
    t0 = time.perf_counter()
    out = list(read_pdf(Path(path), pages=pages, threads=threads))
    return out, (time.perf_counter() - t0) / max(len(out), 1)
