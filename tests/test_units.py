"""Unit tests of pieces that whole-decree tests only reach indirectly: page geometry, line joining,
fractions, stacked items, the publish swap, the executor, and the package's layering."""
from __future__ import annotations

import ast
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipeline.core.model import Segment, Word
from pipeline.core.schema import DECREES
from pipeline.core.settings import Settings
from pipeline.core.text import join_lines
from pipeline.core.unionfind import UnionFind
from pipeline.parse.fractions import fraction
from pipeline.parse.geometry import Line, find_grids, group_lines
from pipeline.parse.rows import Part, split_stacked
from pipeline.parse.stacking import entries
from pipeline.run.executors import LocalExecutor
from pipeline.stages.publish import stage, swap, versions_dir

PACKAGE = Path(__file__).resolve().parents[1] / "pipeline"
LAYERS = ["core", "readers", "parse", "stages", "report", "run", "tools"]  # bottom to top; cli on top


def word(text: str, x0: float, top: float, size: float = 10.0) -> Word:
    return Word(text, x0, x0 + 6.0 * len(text), top, top + size, size, False)


def line(text: str, x0: float, top: float, page: int = 1) -> Line:
    words, x = [], x0
    for t in text.split():
        words.append(word(t, x, top))
        x += 6.0 * len(t) + 3.0
    return Line(words, page)


# --- text ------------------------------------------------------------------------------------

@pytest.mark.parametrize("lines, joined", [
    (["Jumlah dokumen", "perencanaan"], "Jumlah dokumen perencanaan"),
    (["e-", "government"], "e-government"),
    (["SPBE dan/", "atau"], "SPBE dan/atau"),
    (["Kabupaten /", "Kota"], "Kabupaten / Kota"),
    (["  spaced   out ", "", "end"], "spaced out end"),
    (["-", "x"], "- x"),
])
def test_join_lines(lines, joined):
    assert join_lines(lines) == joined


def test_union_find_roots_do_not_depend_on_order():
    a, b = UnionFind("abcde"), UnionFind("abcde")
    for x, y in [("d", "e"), ("a", "d"), ("c", "b")]:
        a.union(x, y)
    for x, y in [("b", "c"), ("e", "a"), ("d", "e")]:
        b.union(x, y)
    assert {x: a.find(x) for x in "abcde"} == {x: b.find(x) for x in "abcde"} == \
        {"a": "a", "d": "a", "e": "a", "b": "b", "c": "b"}
    assert a.members("a") == {"a", "d", "e"}


# --- geometry --------------------------------------------------------------------------------

def _grid_segments(xs: list[float], ys: list[float], skip_h: set[tuple[int, int]] = frozenset()) -> list[Segment]:
    """Borders of a table; skip_h holds (row line, column) pairs left out: a merged cell."""
    segs = [Segment(x, ys[0], x, ys[-1]) for x in xs]
    for r, y in enumerate(ys):
        for c in range(len(xs) - 1):
            if (r, c) not in skip_h:
                segs.append(Segment(xs[c], y, xs[c + 1], y))
    return segs


def test_grid_from_segments_with_a_merged_cell():
    xs, ys = [50, 100, 300, 500], [100, 120, 160, 200]
    segs = _grid_segments(xs, ys, skip_h={(2, 0)})  # column 0: rows 1 and 2 merged
    words = [word("NO", 60, 105), word("1.", 60, 125), word("Sasaran", 110, 125),
             word("Indikator", 310, 165), word("outside", 600, 50)]
    grids, outside = find_grids(segs, words, page=3)
    [g] = grids
    assert g.page == 3 and g.n_rows == 3
    assert [round(x) for x in g.xs] == xs and [round(y) for y in g.ys] == ys
    merged = g.cell(1, 0)
    assert (merged.row, merged.row_end) == (1, 2) and [w.text for w in merged.words] == ["1."]
    assert g.cell(2, 0) is None  # covered from above
    assert [w.text for w in g.cell(2, 2).words] == ["Indikator"]
    assert [w.text for w in outside] == ["outside"]


def test_tables_apart_are_grids_apart():
    """Segments that touch make one table; a table elsewhere on the page, or a lone rule, does not
    join it."""
    first = _grid_segments([50, 200, 400], [100, 150, 200])
    second = _grid_segments([50, 250, 400], [400, 450])
    lone = [Segment(450, 50, 450, 90), Segment(60, 300, 300, 300)]
    grids, _ = find_grids(second + lone + first, [word("a", 60, 120), word("b", 60, 420)], page=1)
    assert [(g.top, g.n_rows, [round(x) for x in g.xs]) for g in grids] == [
        (100, 2, [50, 200, 400]), (400, 1, [50, 250, 400])]
    assert [w.text for w in grids[0].cell(0, 0).words] == ["a"]


def test_short_rule_inside_a_cell_is_a_rule_not_a_row():
    xs, ys = [50, 300, 400], [100, 200]  # a table needs two columns and 100 pt of width
    segs = _grid_segments(xs, ys) + [Segment(60, 150, 200, 150)]  # a fraction bar
    grids, _ = find_grids(segs, [word("a", 60, 130), word("b", 60, 155)], page=1)
    [g] = grids
    assert g.n_rows == 1 and not g.cell(0, 1).rules
    [(y, x0, x1)] = g.cell(0, 0).rules
    assert (y, x0, x1) == (150, 60, 200)


def test_words_group_into_lines_by_their_middles():
    words = [word("kedua", 50, 121), word("satu", 50, 100), word("baris", 90, 101.5), word("dua", 90, 120)]
    lines = group_lines(words, page=1)
    assert [ln.text for ln in lines] == ["satu baris", "kedua dua"]


def test_grouped_lines_have_the_bounds_of_their_words():
    """group_lines keeps each line's bounds while grouping: the same a Line of its words finds."""
    words = [word("b", 90, 100), word("a", 50, 100), Word("big", 120, 150, 98.5, 111.0, 12.5, True),
             word("c", 160, 100.4), word("next", 50, 130), word("tiny", 90, 131)]
    lines = group_lines(words, page=2)
    assert [ln.text for ln in lines] == ["a b big c", "next tiny"]
    assert all(ln == Line(ln.words, ln.page) for ln in lines)


# --- fractions and stacked items -------------------------------------------------------------

def _part(lines: list[Line], rules=()) -> Part:
    return Part(lines=lines, rules=list(rules))


def test_fraction_over_a_rule_with_the_multiplier_beside_it():
    num = line("Jumlah dokumen selesai X 100%", 60, 100)
    den = line("Jumlah dokumen", 60, 115)
    bar_end = num.words[2].x1 + 1  # the bar spans the numerator's words, "X 100%" stands beside it
    text, p, d = fraction(_part([num, den], [(1, 112.0, 60.0, bar_end)]))
    assert (p, d) == ("Jumlah dokumen selesai X 100%", "Jumlah dokumen")
    assert text == "Jumlah dokumen selesai X 100% / Jumlah dokumen"


def test_fraction_as_text_lines_and_plain_text():
    part = _part([line("Realisasi X 100%", 60, 100), line("Target", 60, 112)])
    assert fraction(part) == ("Realisasi X 100% / Target", "Realisasi X 100%", "Target")
    assert fraction(_part([line("Jumlah laporan", 60, 100)])) == ("Jumlah laporan", None, None)


def test_half_a_fraction_has_no_denominator():
    part = _part([line("Realisasi X 100%", 60, 100)], [(1, 112.0, 60.0, 200.0)])
    assert fraction(part) == ("Realisasi X 100%", "Realisasi X 100%", None)


def test_one_item_takes_each_column_whole():
    """build_indicators takes a one-indicator row's columns whole, without asking entries: what
    entries gives for one item, whatever the column."""
    part = _part([line("Bagian", 60, 100), line("Perencanaan", 60, 130)], [(1, 120.0, 60.0, 90.0)])
    for breaks in (False, True):
        for shared in (False, True):
            got = entries(part, [(1, 100.0)], 5.0, breaks, shared, {"Bagian"})
            assert len(got) == 1 and got[0] is part


def test_stacked_items_split_at_labels_of_the_first_style():
    lines = [line("1) Persentase dokumen", 60, 100), line("yang selesai", 72, 112),
             line("2) Nilai SAKIP", 60, 130), line("a) bukan item baru", 72, 142)]
    items = split_stacked(_part(lines))
    assert [(label, join_lines(texts)) for label, texts, _, _ in items] == [
        ("1)", "Persentase dokumen yang selesai"), ("2)", "Nilai SAKIP a) bukan item baru")]


def test_unlabelled_stacked_items_split_at_blank_space():
    lines = [line("Indikator satu", 60, 100), line("lanjutan", 60, 111), line("Indikator dua", 60, 135)]
    items = split_stacked(_part(lines))
    assert [(label, join_lines(texts)) for label, texts, _, _ in items] == [
        ("", "Indikator satu lanjutan"), ("", "Indikator dua")]


# --- publish ---------------------------------------------------------------------------------

def _decrees(n: int) -> dict[str, pd.DataFrame]:
    frame = pd.DataFrame({c.name: [None] * n for c in DECREES.columns})
    frame["decree_id"] = [f"{i:016x}" for i in range(n)]
    return {"decrees": frame}


def test_swap_points_curated_at_a_complete_version_and_keeps_the_previous(tmp_path):
    curated = tmp_path / "curated"
    first, _ = stage(_decrees(1), {"decrees": DECREES}, curated)
    v1 = swap(first, curated)
    assert curated.is_symlink() and curated.resolve() == v1.resolve()
    assert len(pd.read_parquet(curated / "decrees.parquet")) == 1
    second, _ = stage(_decrees(2), {"decrees": DECREES}, curated)
    v2 = swap(second, curated)
    assert v2 != v1 and v1.exists() and curated.resolve() == v2.resolve()
    assert len(pd.read_parquet(curated / "decrees.parquet")) == 2
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".curated.link")]
    again, _ = stage(_decrees(2), {"decrees": DECREES}, curated)
    assert swap(again, curated) == v2 and not again.exists()  # same bytes: the same version, no copy
    assert sorted(p.name for p in versions_dir(curated).iterdir()) == sorted([v1.name, v2.name])


def test_swap_keeps_a_plain_curated_folder_aside(tmp_path):
    curated = tmp_path / "curated"
    curated.mkdir()
    (curated / "mine.txt").write_text("kept")
    staged, _ = stage(_decrees(1), {"decrees": DECREES}, curated)
    swap(staged, curated)
    [aside] = [p for p in versions_dir(curated).iterdir() if p.name.startswith("previous-")]
    assert (aside / "mine.txt").read_text() == "kept" and curated.is_symlink()


# --- executor --------------------------------------------------------------------------------

def _scaled(shared: dict, item: int) -> tuple[int, int]:
    return item, shared["k"] * item


def test_local_executor_maps_blocks_in_order_on_forked_workers():
    items = list(range(20))
    serial = [_scaled({"k": 3}, i) for i in items]
    with LocalExecutor(Settings(workers=2)) as ex:
        assert ex.map_blocks(_scaled, {"k": 3}, items) == serial
    with LocalExecutor(Settings(workers=1)) as ex:
        assert ex.map_blocks(_scaled, {"k": 3}, items) == serial


# --- the package's shape ---------------------------------------------------------------------

def _room(module: str) -> int:
    parts = module.split(".")
    if parts[0] != "pipeline" or len(parts) < 2:
        return -1
    return LAYERS.index(parts[1]) if parts[1] in LAYERS else len(LAYERS)  # cli, __init__: the top


def _imports(path: Path) -> set[str]:
    """Every pipeline module a file imports, at the top or inside functions."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return {m for m in out if m.startswith("pipeline")}


def test_lower_rooms_never_import_higher_ones():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        for imported in _imports(path):
            if _room(imported) > _room(module):
                wrong.append(f"{module} imports {imported}")
    assert not wrong, "\n".join(wrong)


def test_no_module_imports_another_that_imports_it_back():
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        graph[module] = {m for m in _imports(path)}
    seen, stack = set(), []

    def visit(m: str) -> None:
        if m in stack:
            raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(m):] + [m]))
        if m in seen or m not in graph:
            return
        stack.append(m)
        for n in sorted(graph[m]):
            visit(n)
        stack.pop()
        seen.add(m)

    for m in sorted(graph):
        visit(m)


def test_every_module_imports_on_its_own():
    modules = sorted(".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
                     for p in PACKAGE.rglob("*.py"))
    code = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n"
    proc = subprocess.run([sys.executable, "-c", code, *modules], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_touching_a_parser_module_changes_the_cache_key(tmp_path):
    """The parse cache must miss after any change to code that shapes a parse, and only then."""
    copy = tmp_path / "pipeline"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    spec = importlib.util.spec_from_file_location("copied_cache", copy / "parse" / "cache.py")
    cache = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cache)  # hashes the files beside it: the copy

    def key() -> str:
        return cache.code_version("pdfium")

    base = key()
    for touched in ("parse/rows.py", "readers/pdfium.py", "core/model.py", "parse/geometry.py", "parse/_geometry.c"):
        with open(copy / touched, "a") as f:
            f.write("\n# touched\n")
        assert key() != base, touched
        base = key()
    with open(copy / "stages" / "normalise" / "__init__.py" if (copy / "stages" / "normalise").is_dir()
              else copy / "stages" / "normalise.py", "a") as f:
        f.write("\n# not the parse\n")
    assert key() == base
