"""geometry.py's loops over words in C (pipeline/parse/_geometry.c, built by setup.py) give what its
Python code gives: the same lines and cells, every float the same (repr tells -0.0 and ints apart),
on every page of the reader corpus and on made-up pages."""
import random

import pytest

from conftest import SAMPLE
from fixtures.generator import render
from pipeline.core.model import Segment, Word
from pipeline.parse import geometry
from pipeline.readers import open_pages
from pipeline.readers.ocr import OcrWord
from test_roundtrip import _jobs


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("geometry")
    pdfs = render([(c, v) for _, c, v in _jobs()], tmp / "rendered") + [SAMPLE]
    return [pg for path in pdfs for pg in open_pages(path, reader="pdfium")]


def _geometry(segments, words, page) -> str:
    """Everything the parse asks of geometry for a page: its grids with their words, the lines
    outside them and in every cell, and the lines of all its words."""
    grids, outside = geometry.find_grids(segments, words, page)
    cells = [geometry.group_lines(c.words, page) for g in grids for row in g.owner for c in row]
    return repr((grids, outside, geometry.group_lines(outside, page), cells, geometry.group_lines(words, page)))


def _both(monkeypatch, segments, words, page) -> tuple[str, str]:
    compiled = _geometry(segments, words, page)
    with monkeypatch.context() as m:
        m.setattr(geometry, "_native", None)
        return compiled, _geometry(segments, words, page)


def test_compiled_geometry_is_the_python_geometry_on_the_corpus(pages, monkeypatch):
    native = geometry._native
    assert native is not None, "pipeline/parse/_geometry.c was not built: run `make setup`"
    tables = 0
    for i, pg in enumerate(pages):
        compiled, plain = _both(monkeypatch, pg.segments, pg.words, pg.number)
        assert compiled == plain, i
        # the readers' words are all the C code's to group and place: it declines none
        assert native.group_lines(pg.words, pg.number) is not None, i
        grids, _ = geometry.find_grids(pg.segments, [], pg.number)
        assert native.place(pg.words, [(g.xs, g.ys, g.owner) for g in grids]) is not None, i
        tables += bool(grids)
    assert len(pages) > 200 and tables > 100


def _made_up_page(rng: random.Random) -> tuple[list[Segment], list[Word]]:
    """A table and words of few distinct values (ties in top, bottom, size and x0; 0.0 beside
    -0.0), many of them middles on the borders."""
    xs = sorted(rng.sample(range(0, 600, 25), rng.randint(3, 6)))
    ys = sorted(rng.sample(range(0, 800, 20), rng.randint(2, 6)))
    segs = [Segment(float(x), float(ys[0]), float(x), float(ys[-1])) for x in xs]
    segs += [Segment(float(xs[0]), float(y), float(xs[-1]), float(y)) for y in ys if rng.random() < 0.8]
    words = []
    for _ in range(rng.randint(0, 60)):
        x0 = rng.choice([0.0, -0.0, 10.0, 10.5, 25.0, 50.0]) + rng.choice([0, 25, 100, 200])
        top = rng.choice([0.0, -0.0, 100.0, 100.5, 101.0, 103.0, 110.0]) + rng.choice([0, 20, 60])
        size = rng.choice([8.0, 10.0, 12.0])
        height = rng.choice([size, size + 1.0, 2.0 * size])
        words.append(Word(rng.choice(["a", "bb", "c d", "é"]), x0, x0 + rng.choice([0.0, 6.0, 25.0, 50.0]),
                          top, top + height, size, rng.random() < 0.5))
    return segs, words


def test_compiled_geometry_is_the_python_geometry_on_made_up_pages(monkeypatch):
    native = geometry._native
    assert native is not None, "pipeline/parse/_geometry.c was not built: run `make setup`"
    rng = random.Random(20)
    joined = 0
    for i in range(3000):
        segs, words = _made_up_page(rng)
        compiled, plain = _both(monkeypatch, segs, words, i)
        assert compiled == plain, i
        assert native.group_lines(words, i) is not None
        joined += len(geometry.group_lines(words, i)) < len({w.top for w in words})
    assert joined > 1000
    # OCR words are Words: grouped in C too
    ocr = [OcrWord("a", 10.0, 20.0, 100.0, 110.0, 10.0, False, 90.0),
           OcrWord("b", 30.0, 40.0, 101.0, 111.0, 10.0, False, 80.0)]
    assert repr(native.group_lines(ocr, 1)) == repr(geometry.group_lines(ocr, 1))
    # declined, so the Python code answers: coordinates that are no floats or not finite, not a list
    assert native.group_lines([Word("a", 1, 2, 3, 4, 5, False)] * 2, 1) is None
    for odd in (float("nan"), float("inf")):
        assert native.group_lines([Word("a", 1.0, odd, 3.0, 4.0, 5.0, False)], 1) is None
        assert native.place([Word("a", 1.0, 2.0, 3.0, odd, 5.0, False)], []) is None
    assert native.group_lines(tuple(words), 1) is None
