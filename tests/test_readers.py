"""The two page readers (pdfplumber, PDFium) give the same curated tables, cell by cell, over the
whole fixture corpus (every layout variant, other wording, extra columns) and the sample decree,
the same words and ruling lines page by page, and the same reasons for bad files."""
import hashlib
import math

import pandas as pd
import pytest

from badpdfs import make_bad_corpus
from conftest import SAMPLE, read_curated, run_on
from fixtures.generator import render
from pipeline.run.pool import parse_payload
from pipeline.readers import open_pages
from pipeline.core.settings import Settings
from test_roundtrip import _jobs

READERS = ("pdfplumber", "pdfium")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("readers")
    jobs = _jobs()
    return render([(c, v) for _, c, v in jobs], tmp / "rendered") + [SAMPLE]


@pytest.fixture(scope="module")
def curated_by_reader(tmp_path_factory, pdfs):
    out = {}
    for reader in READERS:
        tmp = tmp_path_factory.mktemp(f"run-{reader}")
        result, settings = run_on(tmp, pdfs, reader=reader)
        out[reader] = (result, read_curated(settings.curated))
    return out


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    try:
        eq = a == b
        return bool(eq) if not hasattr(eq, "all") else bool(eq.all()) and len(a) == len(b)
    except (TypeError, ValueError):
        return repr(a) == repr(b)


def _cell_diffs(name: str, a: pd.DataFrame, b: pd.DataFrame) -> list[str]:
    if list(a.columns) != list(b.columns):
        return [f"{name}: columns {list(a.columns)} vs {list(b.columns)}"]
    if len(a) != len(b):
        return [f"{name}: {len(a)} rows vs {len(b)}"]
    keys = [c for c in ("decree_id", "position_no", "indicator_no") if c in a.columns]
    out = []
    for i in range(len(a)):
        ra, rb = a.iloc[i], b.iloc[i]
        for col in a.columns:
            if not _same(ra[col], rb[col]):
                where = ", ".join(f"{k}={ra[k]}" for k in keys)
                out.append(f"{name} [{where}] {col}: pdfplumber={ra[col]!r} pdfium={rb[col]!r}")
    return out


def test_both_readers_publish_identical_curated_tables(curated_by_reader, pdfs):
    (res_a, cur_a), (res_b, cur_b) = curated_by_reader["pdfplumber"], curated_by_reader["pdfium"]
    # whatever fails (a parse or a quarantined annex) fails the same way through both readers
    fa = sorted((f.file, f.stage, f.page, f.reason) for f in res_a.failures)
    fb = sorted((f.file, f.stage, f.page, f.reason) for f in res_b.failures)
    assert fa == fb, (fa, fb)
    assert (res_a.pages, res_a.positions, res_a.indicators) == (res_b.pages, res_b.positions, res_b.indicators)
    ids = {hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in pdfs}
    assert set(cur_a) == set(cur_b)
    if "decrees" in cur_a:
        assert set(cur_a["decrees"].decree_id) <= ids and len(cur_a["decrees"]) >= len(ids) - len(fa)
    diffs = []
    for name in sorted(cur_a):
        diffs += _cell_diffs(name, cur_a[name], cur_b[name])
    assert not diffs, f"{len(diffs)} differing cells:\n" + "\n".join(diffs[:50])


def test_same_words_and_rulings_page_by_page(pdfs):
    for pdf in pdfs:
        pages_a = list(open_pages(pdf, reader="pdfplumber"))
        pages_b = list(open_pages(pdf, reader="pdfium"))
        assert len(pages_a) == len(pages_b), pdf.name
        for a, b in zip(pages_a, pages_b):
            where = f"{pdf.name} page {a.number}"
            assert abs(a.width - b.width) < 1e-3 and abs(a.height - b.height) < 1e-3, where
            assert a.n_images == b.n_images, where
            wa = sorted(a.words, key=lambda w: (round(w.top), w.x0))
            wb = sorted(b.words, key=lambda w: (round(w.top), w.x0))
            assert [w.text for w in wa] == [w.text for w in wb], where
            for x, y in zip(wa, wb):
                assert x.bold == y.bold and abs(x.size - y.size) < 1e-3, (where, x, y)
                # x1: pdfplumber's advance width vs PDFium's glyph box for fonts without ascent/descent
                assert abs(x.x0 - y.x0) < 0.01 and abs(x.x1 - y.x1) < 0.5, (where, x, y)
                assert abs(x.top - y.top) < 0.01 and abs(x.bottom - y.bottom) < 0.01, (where, x, y)
            sa = sorted((s.x0, s.y0, s.x1, s.y1) for s in a.segments)
            sb = sorted((s.x0, s.y0, s.x1, s.y1) for s in b.segments)
            assert len(sa) == len(sb), where
            assert all(max(abs(u - v) for u, v in zip(p, q)) < 0.01 for p, q in zip(sa, sb)), where


def test_bad_inputs_get_the_same_reason_through_both_readers(tmp_path):
    expect = make_bad_corpus(SAMPLE, tmp_path / "bad")
    expect.pop("bom.pdf")  # the memory limit is the guard's (forked child), not the reader's
    for name, words in sorted(expect.items()):
        if name in ("kosong.pdf", "acak.pdf", "laporan.docx.pdf"):
            continue  # stopped by guard.sniff before any reader opens them
        reasons = {}
        for reader in READERS:
            payload = parse_payload(tmp_path / "bad" / name, Settings(raw=tmp_path, reader=reader))
            assert not payload["ok"], (name, reader)
            reasons[reader] = payload["reason"]
        assert all(words in r for r in reasons.values()), (name, reasons)
        # the sentence is the same; only the library's own words in parentheses may differ
        assert len({r.split(" (")[0] for r in reasons.values()}) == 1, (name, reasons)


SPACED = {  # letter-spaced beyond the 1.5 pt word gap, condensed, justified; both producers
    "spaced": {"char_spacing": 1.6}, "condensed": {"char_spacing": -0.4},
    "justified_spaced": {"justify": True, "char_spacing": 1.0},
    "html_spaced": {"producer": "chromium", "char_spacing": 1.6},
}


def _vocabulary(content) -> set[str]:
    out: set[str] = set()

    def walk(o):
        if isinstance(o, str):
            out.update(o.split())
        elif isinstance(o, dict):
            for k, v in o.items():
                walk(k)
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)
    walk(content)
    return out


def test_spaced_and_condensed_lines_keep_their_words(tmp_path):
    """Issue 16 part 5: letter spacing wider than the word gap of normal text, or condensed text,
    neither splits a word ("Semestera n") nor joins two; both readers read the same words."""
    from fixtures.content import make_content  # noqa: PLC0415
    from fixtures.generator import VARIANTS, Variant  # noqa: PLC0415
    import dataclasses  # noqa: PLC0415
    content = make_content(500, n_positions=3, stacked=0.6)
    variants = {"plain": VARIANTS["reference"], **{n: dataclasses.replace(Variant(), **o) for n, o in SPACED.items()}}
    pdfs = dict(zip(variants, render([(content, v) for v in variants.values()], tmp_path)))
    vocabulary = _vocabulary(content)
    plain = {w.text for p in open_pages(pdfs["plain"]) for w in p.words} - vocabulary  # labels, ":", "0-"
    for name, pdf in pdfs.items():
        by_reader = {r: [w.text for p in open_pages(pdf, reader=r) for w in p.words] for r in READERS}
        assert by_reader["pdfplumber"] == by_reader["pdfium"], name
        # a line may break after a hyphen ("e-" / "government"): pieces of a hyphenated word are fine
        strange = {w for w in set(by_reader["pdfium"]) - vocabulary - plain
                   if not w.endswith("-") and not any(v.endswith("-" + w) for v in vocabulary)}
        assert not strange, (name, sorted(strange)[:20])


def test_compiled_loops_give_the_ctypes_arrays(pdfs):
    """The PDFium reader's loops in C (built by setup.py: per character, per text object, over page
    objects and path segments) make the same calls as its ctypes path: every array equal on every page of the corpus (rotated,
    Chromium and LibreOffice files among them). The build must have compiled them: without them
    the reader is 1.5x slower."""
    import ctypes  # noqa: PLC0415

    import numpy as np  # noqa: PLC0415
    import pypdfium2 as pdfium  # noqa: PLC0415

    from pipeline.readers import pdfium as reader  # noqa: PLC0415
    from pipeline.readers.words import changes  # noqa: PLC0415

    assert reader._native is not None, "pipeline/readers/_chars.c was not built: run `make setup`"
    checked = painted = 0
    for path in pdfs:
        doc = pdfium.PdfDocument(str(path))
        for page in doc:
            textpage = page.get_textpage()
            n = pdfium.raw.FPDFText_CountChars(textpage.raw)
            codes = np.array([pdfium.raw.FPDFText_GetUnicode(textpage.raw, i) for i in range(n)], dtype=np.uint32)
            blank = reader._BLANK[np.minimum(codes, 0x3001)]
            tpv = ctypes.c_void_p(reader._addr(textpage.raw))
            native = reader.char_arrays(tpv, blank, native=True)
            plain = reader.char_arrays(tpv, blank, native=False)
            assert all(np.array_equal(a, b) for a, b in zip(native, plain)), (path.name, page)
            objs, made = native[:2]
            real = np.flatnonzero((objs != 0) & ~made)
            first = real[np.flatnonzero(changes(objs[real]))]
            native = reader.run_arrays(tpv, first, objs[first], native=True)
            plain = reader.run_arrays(tpv, first, objs[first], native=False)
            assert all(np.array_equal(a, b) for a, b in zip(native, plain)), (path.name, page)
            objects, types = reader.object_arrays(reader._addr(page.raw), False, native=True)
            plain = reader.object_arrays(reader._addr(page.raw), False, native=False)
            assert np.array_equal(objects, plain[0]) and np.array_equal(types, plain[1]), (path.name, page)
            drawn = objects[types == pdfium.raw.FPDF_PAGEOBJ_PATH]
            native = reader.path_arrays(drawn, native=True)
            plain = reader.path_arrays(drawn, native=False)
            assert all(np.array_equal(a, b) for a, b in zip(native, plain)), (path.name, page)
            shapes = {}
            for compiled in (True, False):  # lines and rectangles classified in C, and in Python
                shapes[compiled] = ([], [])
                reader._walk(reader._addr(page.raw), False, None, page.get_height(), *shapes[compiled],
                             native=compiled)
            assert repr(shapes[True]) == repr(shapes[False]), (path.name, page)
            painted += len(shapes[True][0]) + len(shapes[True][1])
            checked += n
            textpage.close()
        doc.close()
    assert checked > 10_000 and painted > 1_000


def _random_path(rng):
    """A made-up path's points, segment types and close flags: half of them boxes (a move and three
    or four lines, maybe closed, maybe a line back to the start), the others any corners and types."""
    import numpy as np  # noqa: PLC0415

    corners = np.array([[10, 10], [10, 50], [90, 50], [90, 10], [-0.0, 0.0], [0.0, -0.0], [10, 10.0005]])
    if rng.random() < 0.5:
        n = int(rng.integers(4, 7))
        at, kinds = np.arange(n) % 4, np.array([2] + [0] * (n - 1), dtype=np.int32)  # move, lines
    else:
        n = int(rng.integers(0, 9))
        at, kinds = rng.integers(0, len(corners), n), rng.choice([0, 0, 0, 1, 2], n).astype(np.int32)
    points = corners[at] + (rng.choice([0, 0, 5e-4, 0.3], (n, 2)) if rng.random() < 0.3 else 0)
    return points.astype(np.float32), kinds, rng.random(n) < 0.15


def test_compiled_shapes_are_the_python_shapes():
    """_chars.c's shapes classifies made-up paths as pdfium.py's _path_shapes and _classify do
    (lines, rectangles, curves, closes anywhere, a line back to the start, turned and nested
    matrices, paths not painted, ranges of paths), every float exact (repr)."""
    import numpy as np  # noqa: PLC0415

    from pipeline.readers import pdfium as reader  # noqa: PLC0415

    rng = np.random.default_rng(21)
    found = [0, 0]
    for _ in range(3000):
        k = int(rng.integers(0, 6))
        paths = [_random_path(rng) for _ in range(k)]
        counts = np.array([len(p[1]) for p in paths], dtype=np.int32)
        points, kinds, closes = (np.concatenate([p[i] for p in paths] + [empty]) for i, empty in
                                 enumerate((np.zeros((0, 2)), np.zeros(0, np.int32), np.zeros(0, bool))))
        modes = rng.integers(0, 2, (k, 2)).astype(np.int32)
        matrices = rng.choice([[1, 0, 0, 1, 0, 0], [0, 1, -1, 0, 612, 0], [0.75, 0, 0, -0.75, 10.5, 800],
                               [6e-17, 1, -1, 6e-17, 0, 0]], k).astype(np.float32)
        arrays = (modes, matrices, counts, points.astype(np.float32), kinds, closes)
        start = int(rng.integers(0, k + 1))
        stop = int(rng.integers(start, k + 1))
        matrix = None if rng.random() < 0.5 else tuple(rng.choice([[0.0, -1.0, 1.0, 0.0, 5.5, 0.0],
                                                                   [0.5, 0.0, 0.0, 0.5, -3.0, 1.0],
                                                                   [1.0, 0.5, -0.5, 1.0, 0.0, 0.0]]).tolist())
        out = {}
        for compiled in (True, False):
            out[compiled] = ([], [])
            reader._paint(arrays, start, stop, matrix, 842.0, *out[compiled], native=compiled)
        assert repr(out[True]) == repr(out[False])
        found = [found[0] + len(out[True][0]), found[1] + len(out[True][1])]
    assert min(found) > 50, found


def test_compiled_upright_chars_are_the_numpy_chars(pdfs, monkeypatch):
    """The PDFium reader's chars turned upright with the dropped word spaces put back, in C
    (_chars.c upright), are numpy's bit for bit (dtype and bytes) on every page of the corpus
    (rotated pages, Chromium's made-up spaces among them); the C declines only where np.maximum is
    defined by SIMD lane (0.0 against -0.0) or meets a NaN."""
    import numpy as np  # noqa: PLC0415

    from pipeline.readers import pdfium as reader  # noqa: PLC0415

    calls, upright = [], reader.upright_chars

    def record(*args):
        calls.append(args)
        return upright(*args)

    monkeypatch.setattr(reader, "upright_chars", record)
    for path in pdfs:
        for _ in reader.read_pdf(path):
            pass
    monkeypatch.undo()
    spaces = 0
    for args in calls:
        compiled = reader.upright_chars(*args, native=True)
        plain = reader.upright_chars(*args, native=False)
        assert [(a.dtype, a.tobytes()) for a in compiled] == [(a.dtype, a.tobytes()) for a in plain]
        assert reader._native.upright(*args[:3], reader.WORD_GAP, reader.Y_TOL, (*args[3:10], *args[11:]),
                                      tuple(np.empty(len(args[3]) + len(args[9]), a.dtype) for a in plain))
        spaces += len(compiled[0]) - len(args[3])
    assert len(calls) > 200 and spaces > 100, (len(calls), spaces)
    # a box edge of -0.0 against an origin of 0.0 (np.maximum's pick is numpy's alone), or a NaN
    for odd in ((-0.0, 0.0), (np.nan, 5.0)):
        objs, codes, blank = np.ones(1, np.uint64), np.full(1, 97, np.uint32), np.zeros(1, bool)
        origin, boxes = np.array([[odd[1], 10.0]]), np.array([[odd[0], 20.0, odd[0], 10.0]])
        args = (0, 600.0, 800.0, objs, codes, blank, origin, np.zeros(1, np.int64), boxes, np.zeros(0, np.int64),
                np.ones(1, np.int64), np.full(1, 10.0), np.zeros(1, np.int64), np.zeros(1, bool))
        out = tuple(np.empty(1, a.dtype) for a in reader.upright_chars(*args, native=False))
        assert reader._native.upright(*args[:3], reader.WORD_GAP, reader.Y_TOL, (*args[3:10], *args[11:]), out) is None


def _random_chars(rng):
    """build_words' arguments for a made-up page: lines with jitter and ties, letter spacing (none,
    wide, condensed), text drawn backwards, blanks, fonts changing mid-line, ligatures and accents;
    the text as code points or, like pdfplumber's, as str (some of two characters)."""
    import numpy as np  # noqa: PLC0415

    m = int(rng.integers(1, 400))
    line = np.sort(rng.integers(0, 12, m))
    spacing = rng.choice([0.0, 0.0, 0.05, 0.3, 1.6, -0.4], 12)[line]
    advance = rng.choice([4.0, 5.5, 6.25], m)
    x0 = np.round(20 + np.cumsum(advance + spacing + rng.choice([0, 0, 0, 0, 3.0, -40.0], m)), 1)
    x1 = x0 + advance
    top = line * 12.0 + np.round(rng.choice([0.0, 0.0, 0.5, 1.5, 2.5], m), 1)
    x0[rng.random(m) < 0.02] = -0.0  # a word's least x0 may be -0.0, or 0.0 ...
    x1[rng.random(m) < 0.02] = 0.0  # ... and its greatest x1 0.0
    run = np.cumsum(rng.random(m) < 0.05)
    size = np.array([10.0, 12.0, 9.5])[run % 3]
    key = run % 4
    bold = (run % 5) == 1
    codes = rng.choice([ord(c) for c in "abcdeXYZ019.,-  \u00e9\ufb01\ufb02"], m).astype(np.uint32)
    blank = codes == 32
    text = codes
    if rng.random() < 0.5:
        text = [chr(c) if rng.random() < 0.9 else chr(c) * 2 for c in codes.tolist()]
    return text, blank, x0, x1, top, size, key, bold


def test_compiled_words_are_the_numpy_words(pdfs, monkeypatch):
    """build_words in C (_chars.c) gives the numpy rule's words, each float exact (repr), on every
    page of the corpus through both readers (code points from PDFium, str from pdfplumber) and on
    made-up pages; it declines only what numpy alone defines (a coordinate not finite, or a word's
    least or greatest value both 0.0 and -0.0)."""
    import gc  # noqa: PLC0415

    import numpy as np  # noqa: PLC0415

    from pipeline.readers import pdfium, plumber, words  # noqa: PLC0415

    assert words._native is not None, "pipeline/readers/_chars.c was not built: run `make setup`"
    calls = []

    def record(*args):
        calls.append(args)
        return words.build_words(*args)

    for module in (pdfium, plumber):
        monkeypatch.setattr(module, "build_words", record)
        for path in pdfs:
            for _ in module.read_pdf(path):
                pass
    assert {isinstance(c[0], list) for c in calls} == {False, True}
    read = len(calls)
    rng = np.random.default_rng(20)
    calls += [_random_chars(rng) for _ in range(1000)]
    declined = []
    for i, args in enumerate(calls):
        compiled = words.compiled_words(*args)
        if compiled is None:
            declined.append(i)
        else:
            assert repr(compiled) == repr(words.build_words(*args, native=False)), i
            assert not any(map(gc.is_tracked, compiled[:3]))  # str, floats and a bool: no cycle
    assert not [i for i in declined if i < read] and len(declined) < 100, declined
    assert sum(len(words.build_words(*c)) for c in calls) > 50_000
    # the rule's constants are words.py's alone: the C reads them from there
    for name, value in (("X_TOL", 0.5), ("Y_TOL", 0.4), ("SPACE_SHARE", 0.6), ("SPACED", 0.02)):
        monkeypatch.setattr(words, name, value)
        for args in calls[read:read + 200]:
            compiled = words.compiled_words(*args)
            assert compiled is None or repr(compiled) == repr(words.build_words(*args, native=False)), name
    # declined: a word whose least x0 is both 0.0 and -0.0; a coordinate not finite
    two = (np.array([97, 98], dtype=np.uint32), np.zeros(2, bool), np.array([-0.0, 0.0]), np.array([3.0, 5.0]),
           np.zeros(2), np.full(2, 10.0), np.zeros(2, np.int64), np.zeros(2, bool))
    assert words.compiled_words(*two) is None
    for odd in (np.nan, np.inf):
        text, blank, x0, *rest = calls[0]
        x0 = x0.copy()
        x0[0] = odd
        assert words.compiled_words(text, blank, x0, *rest) is None
