"""The whole family of decree layouts (issue 16, part 7): content x family variants (both producers:
docx + LibreOffice and HTML + headless Chromium), read by the pipeline with BOTH page readers and
compared cell by cell with the generator's expected content; a seeded random combination of the
variant options; and self-tests of the generator (no pipeline) for the new options.

Per-variant figures for both readers (cells exact / total, positions read / expected):

    .venv/bin/python -m tests.test_family

Cases the current parser does not read exactly are marked xfail(strict=True) with what goes wrong
(KNOWN below): when a fix makes one read exactly, the test fails until its mark is removed.
"""
from __future__ import annotations

import hashlib
import json
import random
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from conftest import read_curated, run_on  # noqa: E402
from fixtures.content import make_content  # noqa: E402
from fixtures.family import HEADER_SETS, NOTES, signature_lines  # noqa: E402
from fixtures.generator import (FAMILY_VARIANTS, LEGACY_FIELDS, PAGES, VARIANTS, Variant,  # noqa: E402
                                expected_content, job_key, render, text_width)
from goldlib import DECREE_FIELDS, INDICATOR_FIELDS, _cell, compare, gold_rows  # noqa: E402,F401

READERS = ("pdfium", "pdfplumber")
HAVE_SOFFICE = bool(shutil.which("soffice") or Path("/usr/bin/soffice").exists())
HAVE_CHROMIUM = bool(shutil.which("chromium") or shutil.which("chromium-browser"))

pytestmark = pytest.mark.skipif(not (HAVE_SOFFICE and HAVE_CHROMIUM), reason="LibreOffice or Chromium missing")

# ----------------------------------------------------------------------------------------------
# The matrix
# ----------------------------------------------------------------------------------------------


def family_jobs() -> list[tuple[str, dict, Variant]]:
    """One decree (3 positions, many stacked rows) per family variant."""
    jobs = []
    for n, (name, v) in enumerate(FAMILY_VARIANTS.items()):
        opts = {"n_positions": 3, "stacked": 0.6}
        if name in ("kinerja_seven", "html_pakisaji"):
            opts["seven"] = True
        jobs.append((name, make_content(500 + n, **opts), v))
    return jobs


OPTION_VALUES = {  # the options a random combination draws from
    "producer": ["libreoffice", "chromium"], "rotate": [0, 0, 90, 270], "page": ["f4-landscape", "a4-landscape"],
    "font": ["Liberation Sans", "Liberation Serif", "DejaVu Sans"], "continuation": ["merged", "empty"],
    "header_set": [None, None, *sorted(HEADER_SETS)], "header_case": ["as_set", "upper", "mixed"],
    "labels_case": ["content", "caps"], "list_numbering": ["1.", "1)", "a.", "run-on"],
    "sasaran_numbering": ["content", "1,1", "9.1.1.1"], "indicator_labels": ["content", "1.", "a."],
    "stack": ["aligned", "gap", "breaks"], "one_entry": [None, "source", "responsible"],
    "fraction": ["rule", "text", "plain", "dashes"], "notes": [False, True], "signature": [False, True],
    "body": [False, True], "lampiran": ["tabs", "stacked"], "justify": [False, True],
    "char_spacing": [0.0, 0.0, 0.4, -0.2], "times": ["", "×"],
}


def random_variants(seed: int = 16, n: int = 5) -> dict[str, Variant]:
    r = random.Random(seed)
    out = {}
    while len(out) < n:
        v = Variant(**{k: r.choice(vals) for k, vals in OPTION_VALUES.items()}, table_size=8)
        if v.is_family():
            out[f"random{len(out)}"] = v
    return out


def random_jobs() -> list[tuple[str, dict, Variant]]:
    return [(name, make_content(900 + k, n_positions=3, stacked=0.5), v)
            for k, (name, v) in enumerate(random_variants().items())]


def all_jobs():
    return family_jobs() + random_jobs()


# (variant name, reader or "*" for both) -> what goes wrong today, for a variant added before its
# fix (first mismatches from `python -m tests.test_family`). Empty: every case reads exactly.
KNOWN: dict[tuple[str, str], str] = {
}


def _case(name: str, reader: str):
    reason = KNOWN.get((name, reader)) or KNOWN.get((name, "*"))
    marks = [pytest.mark.xfail(strict=True, reason=f"issue 16: {reason}")] if reason else []
    return pytest.param(name, reader, marks=marks, id=f"{name}-{reader}")


# ----------------------------------------------------------------------------------------------
# Figures
# ----------------------------------------------------------------------------------------------

NOTE_COLUMNS = ("catatan", "note")


def decree_id(pdf: Path) -> str:
    return hashlib.sha256(pdf.read_bytes()).hexdigest()[:16]


SKIP_KEYS = {"decree_id", "position_no", "indicator_no", "source_kind", "ocr_confidence"}


def cell_stats(gold: dict, did: str, curated: dict) -> dict:
    """Exact cells / total cells, positions read / expected. Cells: every field goldlib.gold_rows gives
    for the decree, its positions and indicators (decree fields, jabatan/tugas/fungsi, every indicator
    field, and the family's body/signer/note fields where goldlib maps them), plus the formula note
    in a `catatan`/`note` column if goldlib does not map it yet."""
    exp_d, exp_p, exp_i = gold_rows(gold, did)
    dec = curated["decrees"][curated["decrees"].decree_id == did]
    pos = curated["positions"][curated["positions"].decree_id == did].sort_values("position_no")
    ind = curated["indicators"][curated["indicators"].decree_id == did]
    exact = total = 0
    for f, want in exp_d.items():
        if f in SKIP_KEYS:
            continue
        total += 1
        exact += len(dec) == 1 and f in dec.columns and _cell(dec.iloc[0][f]) == _cell(want)
    got_p = {r.position_no: r for r in pos.itertuples()}
    for e in exp_p:
        a = got_p.get(e["position_no"])
        for f, want in e.items():
            if f in SKIP_KEYS:
                continue
            total += 1
            exact += a is not None and hasattr(a, f) and _cell(getattr(a, f)) == _cell(want)
    got = {(r.position_no, r.indicator_no): r for r in ind.itertuples()}
    note_col = next((c for c in NOTE_COLUMNS if c in ind.columns), None)
    notes = [i["formula"].get("note") for p in gold["positions"] for s in p["sasaran"] for i in s["indicators"]]
    for e, note in zip(exp_i, notes):
        a = got.get((e["position_no"], e["indicator_no"]))
        for f, want in e.items():
            if f in SKIP_KEYS:
                continue
            total += 1
            if a is None or not hasattr(a, f):
                continue
            want, have = _cell(want), _cell(getattr(a, f))
            if f == "extra":
                want, have = want or {}, have or {}
            exact += want == have
        if note_col and note is not None and note_col not in e:
            total += 1
            exact += a is not None and (_cell(getattr(a, note_col)) or "") == note
    return {"exact": int(exact), "total": total, "positions": len(pos), "positions_expected": len(exp_p),
            "indicators": len(ind), "indicators_expected": len(exp_i)}


def run_family(tmp: Path, jobs=None, readers=READERS) -> dict:
    """Render the jobs, run the pipeline with each reader: {reader: (result, curated)} and the pdfs."""
    jobs = jobs if jobs is not None else all_jobs()
    pdfs = render([(c, v) for _, c, v in jobs], tmp / "rendered")
    out = {}
    for reader in readers:
        parts = _run_parts(tmp / f"run-{reader}", pdfs, reader)
        curated = {}
        for name, cols in EMPTY_TABLES.items():
            frames = [c[name] for _, c, _n in parts if name in c]
            curated[name] = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({c: [] for c in cols})
        out[reader] = (parts, curated)
    return {"jobs": jobs, "pdfs": pdfs, "runs": out}


def _run_parts(tmp: Path, pdfs: list[Path], reader: str, depth: int = 0) -> list[tuple]:
    """Run the pipeline on `pdfs`; when validation refuses to publish the batch (one decree's critical
    failure blocks all), run each half again, down to single decrees, so that every decree that can
    be published is and its figures do not depend on its neighbours in the batch."""
    tmp = tmp / f"part{depth}-{hashlib.sha256(''.join(p.name for p in pdfs).encode()).hexdigest()[:8]}"
    result, settings = run_on(tmp, pdfs, reader=reader)
    if result.published or len(pdfs) == 1:
        return [(result, read_curated(settings.curated) if result.published else {}, [p.name for p in pdfs])]
    half = len(pdfs) // 2
    return _run_parts(tmp, pdfs[:half], reader, depth + 1) + _run_parts(tmp, pdfs[half:], reader, depth + 1)


EMPTY_TABLES = {"decrees": ["decree_id", *DECREE_FIELDS],
                "positions": ["decree_id", "position_no", "jabatan", "tugas", "fungsi"],
                "indicators": ["decree_id", "position_no", "indicator_no", "sasaran_no", *INDICATOR_FIELDS]}


def summary(fam: dict) -> list[dict]:
    rows = []
    for (name, content, v), pdf in zip(fam["jobs"], fam["pdfs"]):
        gold = expected_content(content, v)
        for reader, (_result, curated) in fam["runs"].items():
            st = cell_stats(gold, decree_id(pdf), curated)
            mism = compare(gold, decree_id(pdf), curated, limit=3)
            if st["positions"] == 0:
                mism = [_lost_reason(pdf, _result) or (mism[0] if mism else "not read")] + mism[1:]
            rows.append({"variant": name, "producer": v.producer, "reader": reader, **st, "first": mism})
    return rows


def _lost_reason(pdf: Path, parts) -> str:
    """Why a decree has no row: its parse failure, or the critical expectations of its own run."""
    for result, _c, names in parts:
        for f in result.failures:
            if f.file == pdf.name:
                return f"lost: {f.stage}: {f.reason}"
    for result, _c, names in parts:
        if names == [pdf.name] and not result.published:
            return f"lost: not published, critical: {result.critical}"
    return ""


def print_summary(rows: list[dict]) -> None:
    print(f"{'variant':26} {'producer':11} {'reader':10} {'cells exact':>18} {'positions':>9}  first mismatch")
    for r in rows:
        pct = 100.0 * r["exact"] / r["total"] if r["total"] else 0.0
        first = (r["first"][0] if r["first"] else "")[:110]
        print(f"{r['variant']:26} {r['producer']:11} {r['reader']:10} {r['exact']:>5}/{r['total']:<5} {pct:6.1f}% "
              f"{r['positions']:>4}/{r['positions_expected']:<4}  {first}")
    for reader in READERS:
        rs = [r for r in rows if r["reader"] == reader]
        if rs:
            ex, tot = sum(r["exact"] for r in rs), sum(r["total"] for r in rs)
            print(f"{reader}: {sum(not r['first'] for r in rs)}/{len(rs)} decrees exact, cells {ex}/{tot} "
                  f"({100.0 * ex / max(tot, 1):.2f}%), positions {sum(r['positions'] for r in rs)}/"
                  f"{sum(r['positions_expected'] for r in rs)}")


# ----------------------------------------------------------------------------------------------
# Pipeline over the matrix
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def family(tmp_path_factory):
    fam = run_family(tmp_path_factory.mktemp("family"))
    rows = summary(fam)
    print()
    print_summary(rows)
    fam["rows"] = {(r["variant"], r["reader"]): r for r in rows}
    return fam


FAMILY_NAMES = list(FAMILY_VARIANTS)
RANDOM_NAMES = list(random_variants())


def _check(family, name, reader):
    r = family["rows"][(name, reader)]
    assert r["positions"] == r["positions_expected"], f"{name}/{reader}: positions {r['positions']}/{r['positions_expected']}"
    assert not r["first"], f"{name}/{reader}: " + "\n  ".join(r["first"])
    assert r["exact"] == r["total"]


@pytest.mark.parametrize("name,reader", [_case(n, rd) for n in FAMILY_NAMES for rd in READERS])
def test_family_variant_reads_exactly(family, name, reader):
    _check(family, name, reader)


@pytest.mark.parametrize("name,reader", [_case(n, rd) for n in RANDOM_NAMES for rd in READERS])
def test_random_combination_reads_exactly(family, name, reader):
    _check(family, name, reader)


def test_no_family_decree_is_lost(family):
    """Figures only, never xfail: every rendered decree has a row per reader (lost ones listed)."""
    lost = [k for k, r in family["rows"].items() if r["positions"] == 0]
    print(f"decrees read with no position: {len(lost)} of {len(family['rows'])}: {lost}")


# ----------------------------------------------------------------------------------------------
# Generator self-tests (no pipeline)
# ----------------------------------------------------------------------------------------------

SELF = {
    "plain": (make_content(41, n_positions=2, stacked=0.7), Variant()),
    "rot90": (make_content(41, n_positions=2, stacked=0.7), Variant(rotate=90)),
    "rot270": (make_content(41, n_positions=2, stacked=0.7), Variant(rotate=270)),
    "turned": (make_content(41, n_positions=2, stacked=0.7), Variant(rotate=90, rotate_mode="content")),
    "html": (make_content(42, n_positions=2, stacked=0.7), Variant(producer="chromium")),
    "html_rot90": (make_content(42, n_positions=2, stacked=0.7), Variant(producer="chromium", rotate=90)),
    "html_family": (make_content(43, n_positions=2, stacked=0.8, seven=True),
                    Variant(producer="chromium", header_set="kinerja_utama", notes=True, signature=True, body=True,
                            lampiran="stacked", fraction="dashes", list_numbering="a.")),
    "docx_family": (make_content(43, n_positions=2, stacked=0.8, seven=True),
                    Variant(header_set="extras", notes=True, signature=True, body=True, labels_case="caps",
                            list_numbering="run-on", sasaran_numbering="9.1.1.1", stack="breaks")),
    "spaced": (make_content(44, n_positions=2), Variant(char_spacing=0.8)),
}


@pytest.fixture(scope="module")
def self_pdfs(tmp_path_factory):
    out = tmp_path_factory.mktemp("family-self")
    return dict(zip(SELF, render(list(SELF.values()), out)))


def _words(path: Path) -> list[list[dict]]:
    import pdfplumber
    with pdfplumber.open(path) as pdf:
        return [p.extract_words() for p in pdf.pages]


def _printed_words(gold: dict, v: Variant) -> Counter:
    """Words (without - or /, which may wrap) of every field printed once per decree."""
    d = gold["decree"]
    strings = [d["lampiran_of"], d["nomor"], d["tanggal"], d["title"]]
    for pos in gold["positions"]:
        strings += [pos["jabatan"], *pos["tugas"]["items"], *pos["fungsi"]["items"], *pos["columns"]]
        if pos.get("signer"):
            strings += [pos["signer"]["name"], pos["signer"]["pangkat"], pos["signer"]["nip"]]
        for s in pos["sasaran"]:
            strings += [s["no"], s["text"]]
            for ind in s["indicators"]:
                strings += [ind["label"], ind["text"], ind["formula"]["text"], ind["source"], ind["responsible"]]
                strings += [x for x in (ind.get("target"), *(ind.get("extra") or {}).values()) if x]
    return Counter(t for s in strings if s for t in s.split() if not any(ch in t for ch in "-/"))


@pytest.mark.parametrize("name", ["rot90", "rot270", "html_rot90"])
def test_rotated_pages_display_upright(self_pdfs, name):
    """/Rotate set, media box turned (a landscape page stored portrait for 90/270), and the page as
    displayed (pdfplumber applies /Rotate; pypdfium2 renders with it) equals the unrotated render."""
    import numpy as np
    import pypdfium2 as pdfium
    from pypdf import PdfReader
    v = SELF[name][1]
    base = "plain" if v.producer == "libreoffice" else "html"
    for page in PdfReader(str(self_pdfs[name])).pages:
        assert page.get("/Rotate") == v.rotate
        assert float(page.mediabox.width) < float(page.mediabox.height)  # stored portrait
    rot, ref = _words(self_pdfs[name]), _words(self_pdfs[base])
    assert len(rot) == len(ref)
    for a, b in zip(rot, ref):
        assert [w["text"] for w in a] == [w["text"] for w in b]
        assert all(abs(x["x0"] - y["x0"]) < 0.5 and abs(x["top"] - y["top"]) < 0.5 for x, y in zip(a, b))
    da, db = pdfium.PdfDocument(str(self_pdfs[name])), pdfium.PdfDocument(str(self_pdfs[base]))
    ia = np.asarray(da[0].render(scale=0.5, grayscale=True).to_pil().convert("L"), dtype=float)
    ib = np.asarray(db[0].render(scale=0.5, grayscale=True).to_pil().convert("L"), dtype=float)
    assert ia.shape == ib.shape and ia.shape[1] > ia.shape[0]  # displayed landscape
    assert np.abs(ia - ib).mean() < 1.0


def test_turned_content_has_no_rotate(self_pdfs):
    from pypdf import PdfReader
    page = PdfReader(str(self_pdfs["turned"])).pages[0]
    assert page.get("/Rotate", 0) == 0 and float(page.mediabox.width) < float(page.mediabox.height)
    import pdfplumber
    with pdfplumber.open(self_pdfs["turned"]) as pdf:
        chars = pdf.pages[0].chars
        # drawn turned: the text matrix rotates every glyph by 90 degrees (b = 1, c = -1)
        assert chars and sum(abs(c["matrix"][1]) > 0.99 and abs(c["matrix"][0]) < 0.01 for c in chars) == len(chars)


@pytest.mark.parametrize("name", ["html", "html_family", "docx_family"])
def test_every_printed_word_is_in_the_pdf(self_pdfs, name):
    content, v = SELF[name]
    gold = expected_content(content, v)
    got = Counter(w["text"] for page in _words(self_pdfs[name]) for w in page)
    missing = _printed_words(gold, v) - got
    assert not missing, missing


def test_chromium_page_size_and_fraction_layout(self_pdfs):
    import pdfplumber
    w_mm, h_mm, *_ = PAGES["f4-landscape"]
    with pdfplumber.open(self_pdfs["html"]) as pdf:
        assert pdf.pages[0].width == pytest.approx(w_mm / 25.4 * 72, abs=2)
        assert pdf.pages[0].height == pytest.approx(h_mm / 25.4 * 72, abs=2)
        found = False
        for page in pdf.pages:
            ws = page.extract_words()
            rules = [e for e in page.horizontal_edges if 15 < e["width"] < page.width / 3]
            for r in rules:
                # the multiplier sits right of the rule, vertically at the rule (centred beside the fraction)
                beside = [w for w in ws if w["text"].startswith("100") and w["x0"] > r["x1"] - 1
                          and w["top"] - 4 < r["top"] < w["bottom"] + 4 and w["x0"] - r["x1"] < 40]
                found |= bool(beside)
        assert found


def test_family_texts_are_printed(self_pdfs):
    """Notes, dashes, signature NIPs, body fields, stacked LAMPIRAN lines, seven stacked labels."""
    for name in ("html_family", "docx_family"):
        content, v = SELF[name]
        gold = expected_content(content, v)
        text = "\n".join(" ".join(w["text"] for w in page) for page in _words(self_pdfs[name]))
        assert any(n.split(" : ")[0] + " :" in text for n in NOTES)
        assert text.count("NIP.") == len(gold["positions"]) + 1  # one per position + the decree's signer
        assert "MEMUTUSKAN" in text and gold["decree"]["ditetapkan_di"] in text
        assert all(f"{k}." in text.split() for k in range(1, 8))
        for p in gold["positions"]:
            assert p["signer"]["nip"] in text
    assert "----------" in "".join(w["text"] for page in _words(self_pdfs["html_family"]) for w in page)


def test_letter_spacing_widens_words(self_pdfs):
    content, v = SELF["spaced"]
    ws = [w for page in _words(self_pdfs["spaced"]) for w in page if w["text"] == "PENANGGUNG"]
    plain = [w for page in _words(self_pdfs["plain"]) for w in page if w["text"] == "PENANGGUNG"]
    if ws:  # header is bold, not spaced; use any long cell word instead
        pass
    cells = [w for page in _words(self_pdfs["spaced"]) for w in page if w["text"] == "Persentase"]
    assert cells
    natural = text_width("Persentase", v.font, v.table_size)
    assert all(w["x1"] - w["x0"] > natural + 8 * 0.6 for w in cells)
    assert plain


def test_expected_content_rules():
    c = make_content(5, n_positions=3, stacked=1.0)
    # original variants: unchanged, no family field
    g0 = expected_content(c, VARIANTS["reference"])
    assert "tentang" not in g0["decree"] and "signer" not in g0["positions"][0]
    # absent columns -> ""
    g = expected_content(c, Variant(header_set="kinerja_utama", notes=True, signature=True, body=True))
    assert g["positions"][0]["columns"][0] == "SASARAN/KINERJA UTAMA"
    for p in g["positions"]:
        assert p["signer"] and set(p["signer"]) == {"name", "pangkat", "nip"}
        for s in p["sasaran"]:
            assert s["no"] == ""
            for ind in s["indicators"]:
                f = ind["formula"]
                assert ind["responsible"] == "" and ind["target"] is None and ind["extra"] == {}
                assert "note" in f
                if f["note"]:
                    assert f["text"].endswith(" " + f["note"])
                    assert f["note"] not in (f["numerator"] or "") and f["note"] not in (f["denominator"] or "")
                if f["numerator"]:
                    assert f["note"]  # every fraction carries a note
    d = g["decree"]
    assert d["tentang"].startswith(d["title"]) and d["ditetapkan_di"] and d["tanggal_penetapan"]
    assert set(d["penandatangan"]) == {"name", "pangkat", "nip"}
    assert {k: d[k] for k in DECREE_FIELDS} == {k: c["decree"][k] for k in DECREE_FIELDS}
    gn = expected_content(c, Variant(producer="chromium"))
    assert gn["decree"]["tentang"] == "" and gn["decree"]["penandatangan"] is None
    assert all(p["signer"] is None for p in gn["positions"])
    # one entry for all stacked items; header sets with extra columns
    ge = expected_content(c, Variant(header_set="extras", one_entry="source", header_case="mixed"))
    for p in ge["positions"]:
        assert p["columns"][-1] == "Keterangan"
        for s in p["sasaran"]:
            rows: dict = {}
            for ind in s["indicators"]:
                rows.setdefault(ind["row"], []).append(ind)
                assert set(ind["extra"]) == {"Satuan", "Keterangan"} and ind["target"]
            for inds in rows.values():
                assert len({i["source"] for i in inds}) == 1
    # codes
    gh = expected_content(c, Variant(sasaran_numbering="9.1.1.1"))
    assert gh["positions"][1]["sasaran"][0]["no"] == "9.2.1.1"
    assert expected_content(c, Variant(sasaran_numbering="1,1"))["positions"][0]["sasaran"][0]["no"] == "1,1"


def test_content_without_options_is_unchanged():
    """make_content(seed) is what it was before the family options (other tests' cached renders)."""
    blob = json.dumps([make_content(s) for s in range(8)], sort_keys=True, ensure_ascii=False)
    assert hashlib.sha256(blob.encode()).hexdigest()[:16] == CONTENT_HASH
    assert make_content(3) == make_content(3, seven=False)
    c7 = make_content(3, seven=True)
    assert c7["positions"][1:] == make_content(3)["positions"][1:]
    assert [i["label"] for i in c7["positions"][0]["sasaran"][-1]["indicators"]] == [f"{k}." for k in range(1, 8)]


CONTENT_HASH = "1f1711ada0fed351"  # sha of make_content(0..7) at commit ea57767


def test_original_variants_keep_keys_and_docx(tmp_path):
    """The original VARIANTS build the same docx as before the family options (commit ea57767), so
    their pinned cache keys (generator.LEGACY_SOURCE) stay valid."""
    import importlib.util
    import zipfile
    root = Path(__file__).resolve().parents[1]
    try:
        src = subprocess.run(["git", "show", "ea57767:tests/fixtures/generator.py"], cwd=root, check=True,
                             capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("no git history")
    assert hashlib.sha256(src).hexdigest() == __import__("fixtures.generator", fromlist=["x"]).LEGACY_SOURCE
    old_path = tmp_path / "old_generator.py"
    old_path.write_bytes(src)
    spec = importlib.util.spec_from_file_location("old_generator", old_path)
    old = importlib.util.module_from_spec(spec)
    sys.modules["old_generator"] = old  # dataclasses look their module up
    try:
        spec.loader.exec_module(old)
    finally:
        sys.modules.pop("old_generator", None)
    from fixtures.generator import build_docx
    for k, (name, v) in enumerate(sorted(VARIANTS.items())):
        c = make_content(300 + k, columns="target" if k % 2 else "six")
        a, b = build_docx(c, v, tmp_path / f"new{k}.docx"), old.build_docx(c, old.Variant(**{
            f: getattr(v, f) for f in LEGACY_FIELDS}), tmp_path / f"old{k}.docx")
        for part in ("word/document.xml", "word/styles.xml"):
            assert zipfile.ZipFile(a).read(part) == zipfile.ZipFile(b).read(part), (name, part)
        assert job_key(c, v) == old.job_key(c, old.Variant(**{f: getattr(v, f) for f in LEGACY_FIELDS}))


def test_signature_lines_and_header_sets_are_consistent():
    c = expected_content(make_content(8, n_positions=2), Variant(signature=True))
    lines = signature_lines(c["positions"][0], c["decree"])
    assert lines[-1] == "NIP. " + c["positions"][0]["signer"]["nip"]
    for name, hs in HEADER_SETS.items():
        roles = [r for _, r in hs]
        assert {"sasaran", "indikator", "formula", "source"} <= set(roles), name


# ----------------------------------------------------------------------------------------------
# python -m tests.test_family: per-variant figures for both readers
# ----------------------------------------------------------------------------------------------


def main() -> int:
    import argparse
    ap = argparse.ArgumentParser(description="Per-variant exactness of the decree family, both readers")
    ap.add_argument("--only", nargs="*", help="variant names (default: all family and random variants)")
    ap.add_argument("--json", help="also write the rows to this file")
    args = ap.parse_args()
    jobs = [j for j in all_jobs() if not args.only or j[0] in args.only]
    with tempfile.TemporaryDirectory(prefix="iki-family-") as tmp:
        rows = summary(run_family(Path(tmp), jobs))
    print_summary(rows)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
