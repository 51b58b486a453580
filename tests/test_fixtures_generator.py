"""Tests of the fixture generator itself (no project parser): page geometry, fonts, every printed
character present, table behaviour (row splits, repeated headers), fraction rules, stacked alignment."""
from __future__ import annotations

import dataclasses
import re
import shutil
from collections import Counter

import pdfplumber
import pytest

from tests.fixtures.content import make_content, seed_content
from tests.fixtures.generator import (PAGES, VARIANTS, Variant, column_roles, expected_content, job_key,
                                      line_count, render)

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None and not __import__("os").path.exists(
    "/usr/bin/soffice"), reason="LibreOffice not installed")

JOBS = {
    "seed_reference": (seed_content(), VARIANTS["reference"]),
    "gen_a4p_split": (make_content(3, columns="target"), VARIANTS["a4p_serif_split"]),
    "gen_a4l_text": (make_content(7, n_positions=4, columns="satuan_target"), VARIANTS["a4l_empty_text"]),
    "gen_dejavu_repeat": (make_content(11, n_positions=5, columns="target"), VARIANTS["dejavu_a4l_repeat"]),
}


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    out = tmp_path_factory.mktemp("fixtures")
    paths = render(list(JOBS.values()), out)
    return dict(zip(JOBS, paths))


def _words(page):
    return page.extract_words(keep_blank_chars=False, use_text_flow=False)


def _printed_strings(content: dict, v: Variant) -> list[str]:
    """Everything the renderer prints for (content, v), as strings."""
    g = expected_content(content, v)
    d = g["decree"]
    out = ["LAMPIRAN", ":", d["lampiran_of"], "NOMOR", ":", d["nomor"], "TANGGAL", ":", d["tanggal"],
           d["title"], d["agency"]]
    for pos in g["positions"]:
        out += [pos["labels"]["jabatan"], ":", pos["jabatan"]]
        for key in ("tugas", "fungsi"):
            out += [pos["labels"][key], ":"]
            lst = pos[key]
            for i, item in enumerate(lst["items"], 1):
                if lst["numbered"]:
                    out.append(f"{i}." if v.list_numbering == "1." else f"{i})")
                out.append(item)
        out += pos["columns"]
        roles = column_roles(pos["columns"])
        for s in pos["sasaran"]:
            out += [s["no"], s["text"]]
            rows: dict[int, list] = {}
            for ind in s["indicators"]:
                rows.setdefault(ind["row"], []).append(ind)
            for inds in rows.values():
                for k, ind in enumerate(inds):
                    f = ind["formula"]
                    out += [ind["label"], ind["text"]]
                    out += [f["numerator"], f["denominator"]] if f["numerator"] else [f["text"]]
                    out.append(ind["source"])
                    once = v.responsible_once and len(inds) > 1 and len({i["responsible"] for i in inds}) == 1
                    if not (once and k > 0):
                        out.append(ind["responsible"])
                    if "target" in roles:
                        out.append(ind["target"] or "")
                    for h, r in zip(pos["columns"], roles):
                        if r == "extra":
                            out.append(ind["extra"].get(h, ""))
    return [s for s in out if s]


def _chars(strings) -> Counter:
    return Counter(ch for s in strings for ch in s if not ch.isspace())


@pytest.mark.parametrize("name", list(JOBS))
def test_page_size_and_fonts(pdfs, name):
    content, v = JOBS[name]
    w_mm, h_mm, *_ = PAGES[v.page]
    family = v.font.replace(" ", "")
    with pdfplumber.open(pdfs[name]) as pdf:
        for page in pdf.pages:
            assert page.width == pytest.approx(w_mm / 25.4 * 72, abs=1.5)
            assert page.height == pytest.approx(h_mm / 25.4 * 72, abs=1.5)
        fonts = {c["fontname"].split("+")[-1] for p in pdf.pages for c in p.chars}
        assert fonts and all(f.startswith(family) for f in fonts), fonts
        sizes = Counter(round(c["size"], 1) for p in pdf.pages for c in p.chars)
        assert round(v.table_size, 1) in sizes and round(v.body_size, 1) in sizes


@pytest.mark.parametrize("name", list(JOBS))
def test_every_printed_character_is_in_the_pdf(pdfs, name):
    content, v = JOBS[name]
    with pdfplumber.open(pdfs[name]) as pdf:
        got = Counter(c["text"] for p in pdf.pages for c in p.chars if not c["text"].isspace())
        assert all(p.chars for p in pdf.pages), "blank page"
        n_headers = sum(w["text"] == "PENANGGUNG" for p in pdf.pages for w in _words(p)) - len(content["positions"])
    want = _chars(_printed_strings(content, v))
    if v.repeat_header:  # repeated header rows print the column headers again
        for _ in range(n_headers):
            want += _chars(expected_content(content, v)["positions"][0]["columns"])
    else:
        assert n_headers == 0
    assert got == want, {"missing": dict(want - got), "extra": dict(got - want)}


@pytest.mark.parametrize("name", list(JOBS))
def test_header_words_and_content_words(pdfs, name):
    content, v = JOBS[name]
    gold = expected_content(content, v)
    with pdfplumber.open(pdfs[name]) as pdf:
        words = Counter(w["text"] for p in pdf.pages for w in _words(p))
        first = " ".join(w["text"] for w in _words(pdf.pages[0]))
    for h in gold["positions"][0]["columns"]:
        assert h in first or all(part in first for part in h.split()), h
    # words that cannot be split by a line break (no hyphen/slash inside) appear whole, as often as printed
    want = Counter(t for s in _printed_strings(content, v) for t in s.split() if not re.search(r"[-/]", t))
    missing = want - words
    pieces = {p for s in _printed_strings(content, v) for t in s.split() if re.search(r"[-/]", t)
              for p in re.split(r"(?<=[-/])", t)}
    extra = Counter({w: n for w, n in (words - want).items() if not re.search(r"[-/]", w) and w not in pieces})
    if v.repeat_header:
        extra -= Counter({h: 1000 for h in " ".join(gold["positions"][0]["columns"]).split()})
    assert not extra, extra
    assert not missing, missing


def _continued_pages(pdf):
    """Pages whose first text line sits inside a table that started on an earlier page."""
    out = []
    for i, page in enumerate(pdf.pages[1:], 1):
        ws = _words(page)
        if not ws:
            continue
        top = min(w["top"] for w in ws)
        hlines = [e for e in page.horizontal_edges if e["top"] < top + 2 and e["width"] > page.width / 2]
        if hlines and not any(w["text"] == "Jabatan" and abs(w["top"] - top) < 2 for w in ws):
            first_line = [w["text"] for w in ws if w["top"] - top < 30]  # top band (a header row)
            out.append((i, first_line))
    return out


def test_rows_break_across_pages(pdfs):
    """Reference layout (no repeated header): some table row continues at the top of the next page."""
    with pdfplumber.open(pdfs["seed_reference"]) as pdf:
        cont = _continued_pages(pdf)
    assert cont, "no table row continues on a next page"
    assert all("SASARAN" not in line for _, line in cont)


def test_repeat_header_on_every_page(pdfs):
    for name in ("gen_a4p_split", "gen_dejavu_repeat"):
        with pdfplumber.open(pdfs[name]) as pdf:
            cont = _continued_pages(pdf)
        assert cont, name
        for i, line in cont:
            assert "NO" in line and "SASARAN" in line, (name, i, line)


def test_row_split_under_repeated_header(pdfs):
    """a4p_serif_split: a row is cut by the page break (text right under the repeated header on the
    next page continues a row whose NO cell is on the previous page)."""
    with pdfplumber.open(pdfs["gen_a4p_split"]) as pdf:
        found = False
        for i, line in _continued_pages(pdf):
            page = pdf.pages[i]
            ws = _words(page)
            hdr_bottom = max(w["bottom"] for w in ws if w["text"] in ("NO", "SASARAN"))
            below = sorted((w for w in ws if w["top"] > hdr_bottom), key=lambda w: (w["top"], w["x0"]))
            no_x1 = min(w["x1"] for w in ws if w["text"] == "NO") + 6
            first_row_top = below[0]["top"]
            # the first body line has no sasaran number in the NO column -> continued row
            if not any(abs(w["top"] - first_row_top) < 2 and w["x1"] <= no_x1 for w in below):
                found = True
        assert found


def _short_rules(page):
    return [e for e in page.horizontal_edges if 15 < e["width"] < page.width / 3]


def test_fraction_rule_is_drawn(pdfs):
    with pdfplumber.open(pdfs["seed_reference"]) as pdf:
        page = pdf.pages[0]
        rules = _short_rules(page)
        assert rules
        ws = _words(page)
        total = [w for w in ws if w["text"] == "Total"]
        # the rule lies between the numerator line and the denominator line
        assert any(total[0]["bottom"] - 1 <= r["top"] <= total[1]["top"] + 1 for r in rules)
        x = [w for w in ws if w["text"] == "X" and abs(w["top"] - total[0]["top"]) < 1][0]
        assert any(r["x1"] <= x["x0"] + 0.5 for r in rules)  # " X 100%" is not underlined
    with pdfplumber.open(pdfs["gen_a4l_text"]) as pdf:
        assert not any(_short_rules(p) for p in pdf.pages)


def test_stacked_items_start_on_the_same_line(pdfs):
    with pdfplumber.open(pdfs["seed_reference"]) as pdf:
        ws = _words(pdf.pages[0])
    def top(text, after_x=0.0):
        return [round(w["top"]) for w in ws if w["text"] == text and w["x0"] > after_x]
    # 2) Persentase Realisasi Anggaran | Total Realisasi ... | Laporan Realisasi Anggaran | Sekretaris
    t2 = top("2)")[0]
    assert t2 in top("Total") and t2 in top("Laporan") and t2 in top("Sekretaris")
    t3 = top("3)")[0]
    assert t3 in top("Formulasi") and t3 in top("Hasil") and t3 in top("Sekretaris")


def test_expected_content_follows_variant():
    c = make_content(5)
    v = dataclasses.replace(VARIANTS["reference"], list_numbering="none", header_wording="FORMULASI DAN PERHITUNGAN")
    g = expected_content(c, v)
    for pos, gpos in zip(c["positions"], g["positions"]):
        assert gpos["columns"][3] == "FORMULASI DAN PERHITUNGAN"
        for key in ("tugas", "fungsi"):
            if pos[key]["numbered"]:
                assert gpos[key] == {"numbered": False, "items": [" ".join(pos[key]["items"])]}
    assert expected_content(seed_content(), VARIANTS["reference"])["positions"] == seed_content()["positions"]


def test_content_is_deterministic_and_clean():
    assert make_content(42) == make_content(42)
    assert make_content(42) != make_content(43)
    label = re.compile(r"^(\d+[.)]|[a-z][.)])\s")
    for seed in range(30):
        c = make_content(seed, columns="random")
        assert 2 <= len(c["positions"]) <= 8
        strings = list(c["decree"].values())
        for pos in c["positions"]:
            strings += [pos["jabatan"], *pos["tugas"]["items"], *pos["fungsi"]["items"]]
            for s in pos["sasaran"]:
                strings.append(s["text"])
                rows = [i["row"] for i in s["indicators"]]
                assert rows == sorted(rows)
                for ind in s["indicators"]:
                    f = ind["formula"]
                    strings += [ind["text"], f["text"], ind["source"], ind["responsible"]]
                    if f["numerator"]:
                        assert f["text"] == f"{f['numerator']} / {f['denominator']}"
                    if rows.count(ind["row"]) > 1:
                        assert ind["label"]
        for s in strings:
            assert s == " ".join(s.split()), s
            assert not label.match(s), s
            assert " / " not in s or s.count(" X 100") or s.count(" x 100"), s


def test_cache_key_and_line_count():
    c = make_content(1)
    assert job_key(c, VARIANTS["reference"]) != job_key(c, VARIANTS["large_type"])
    assert job_key(c, VARIANTS["reference"]) == job_key(make_content(1), Variant())
    assert line_count("Jumlah OPD", 500, "Liberation Sans", 9) == 1
    assert line_count("Jumlah OPD yang terhubung dalam jaring komunikasi sandi", 60, "Liberation Sans", 9) > 2
