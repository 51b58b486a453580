"""reports/index.html, the visual extraction report, on real runs of the sample decree: what it
shows, that every warning carries its picture, that reruns write the same bytes, that it is quick,
and that headless Chromium renders it from the file system."""
import copy
import csv
import dataclasses
import hashlib
import re
import shutil
import subprocess
from html import escape
from pathlib import Path

import pytest
from PIL import Image

from pipeline.core.result import Failure
from pipeline.report import write_html_report

CHROMIUM = Path("/usr/bin/chromium")
SECTIONS = ("warnings", "review", "failures", "validation", "decrees")


def _items(html: str, kind: str | None = None) -> list[str]:
    """Each warning/review/failure/validation item's HTML (items are not nested)."""
    chunks = html.split('<div class="item ')[1:]
    out = [c.split("</section>")[0] for c in chunks]
    return [c for c in out if kind is None or f'data-kind="{kind}"' in c]


def _imgs(html: str) -> list[str]:
    return re.findall(r'<img [^>]*src="([^"]+)"', html)


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and (p.name == "index.html" or "img" in p.parts)}


def _copy_reports(settings, tmp: Path):
    """The same run's settings with a reports folder of its own (validation summary included)."""
    reports = tmp / "reports"
    shutil.copytree(settings.reports / "validation", reports / "validation")
    return dataclasses.replace(settings, reports=reports)


@pytest.fixture(scope="module")
def report(sample_run):
    result, settings, _ = sample_run
    page = write_html_report(result, settings)
    return result, settings, page, page.read_text(encoding="utf-8")


def test_report_shows_the_decree_positions_and_tables(report):
    result, settings, page, html = report
    assert page == settings.reports / "index.html"
    for s in SECTIONS:
        assert f'<section id="{s}">' in html
    rec = result.records[0]
    d = rec["decree"]
    for v in (d["nomor"], d["tanggal"], d["agency"], rec["decree_id"], rec["source_file"]):
        assert v and v in html
    assert html.count('class="position"') == result.positions == 26
    assert len(re.findall(r'<tr id="d[0-9a-f]+-p\d+-i\d+"', html)) == result.indicators == 89
    # a fraction is shown as pembilang over penyebut
    frac = next(i for p in rec["positions"] for i in p["indicators"] if i["pembilang"] and i["penyebut"])
    assert (f'<span class="frac"><span class="num">{escape(frac["pembilang"])}</span>'
            f'<span class="den">{escape(frac["penyebut"])}</span></span>') in html
    # one picture per page of every position's table
    for p in rec["positions"]:
        block = html.split(f'id="d{rec["decree_id"]}-p{p["position_no"]}"')[1].split("</details>")[0]
        pages = {b[0] for i in p["indicators"] for bs in i["cells"].values() for b in bs}
        assert len(_imgs(block)) == len(pages), p["position_no"]


def test_every_warning_review_and_finding_has_its_picture(report):
    result, settings, _, html = report
    with open(settings.interim / "review.csv", newline="", encoding="utf-8") as f:
        review = list(csv.DictReader(f))
    assert len(_items(html, "warning")) == len(result.warnings) >= 1
    assert len(_items(html, "review")) == len(review) >= 1
    assert _items(html, "validation")  # the sample's two warnings: empty penanggung jawab on p. 18
    for item in _items(html, "warning") + _items(html, "review") + _items(html, "validation"):
        assert _imgs(item), item[:300]
    v = _items(html, "validation")[0]
    assert "hal. 18" in v and "jabatan 16" in v and 'href="#d' in v


def test_links_are_relative_and_every_picture_exists(report):
    _, settings, _, html = report
    assert "<script" not in html and "http://" not in html and "https://" not in html and "file:" not in html
    assert 'href="validation/index.html"' in html
    assert (settings.reports / "validation" / "index.html").exists()
    srcs = _imgs(html)
    assert srcs and all(s.startswith("img/") and s.endswith(".png") for s in srcs)
    for s in set(srcs):
        assert (settings.reports / s).is_file(), s
        with Image.open(settings.reports / s) as im:
            assert im.size[0] > 50 and im.size[1] > 30
    # no stray pictures from earlier runs
    assert {p.name for p in (settings.reports / "img").iterdir()} == {s[4:] for s in srcs}
    for href in re.findall(r'href="([^"#]+)', html):
        assert (settings.reports / href).exists(), href


def test_rerun_writes_identical_bytes(sample_run, tmp_path):
    result, settings, _ = sample_run
    settings = _copy_reports(settings, tmp_path)
    write_html_report(result, settings)
    first = _digest(settings.reports)
    write_html_report(result, settings)  # pictures exist: nothing rendered again
    assert _digest(settings.reports) == first
    shutil.rmtree(settings.reports / "img")  # rendered again from scratch: the same bytes
    write_html_report(result, settings)
    assert _digest(settings.reports) == first


def test_a_large_run_pictures_only_the_positions_with_something_open(sample_run, tmp_path, monkeypatch):
    """Past EVERY_POSITION_UP_TO decrees the report pictures only positions a warning, finding or
    review item opens (the pictures cost more than the parse); the others keep their table and a
    link to their PDF page, and no picture of theirs is drawn."""
    from pipeline.report import pictures  # noqa: PLC0415

    result, settings, _ = sample_run
    settings = _copy_reports(settings, tmp_path)
    monkeypatch.setattr(pictures, "EVERY_POSITION_UP_TO", 0)
    html = write_html_report(result, settings).read_text(encoding="utf-8")
    rec = result.records[0]
    opened = drawn = 0
    for p in rec["positions"]:
        block = html.split(f'id="d{rec["decree_id"]}-p{p["position_no"]}"')[1].split("</details>")[0]
        if block.startswith(" class=\"position\" open>"):
            opened += 1
            assert _imgs(block) and "#page=" not in block, p["position_no"]
        else:
            drawn += len(_imgs(block))
            assert f'#page={p["page_first"]}"' in block, p["position_no"]
    assert 1 <= opened < len(rec["positions"]) and drawn == 0
    assert "pages pictured only for positions with something to look at" in html
    srcs = set(_imgs(html))  # the items' pictures and the open positions' only
    assert {f.name for f in (settings.reports / "img").iterdir()} == {s[4:] for s in srcs}


def test_located_warnings_and_failures_get_pictures(sample_run, tmp_path):
    """A parse warning on a page, a quarantined annex (read from the parse cache), a parse failure
    on a page (the bare page) and an unreadable file (no page: said in words)."""
    result, settings, _ = sample_run
    settings = _copy_reports(settings, tmp_path)
    rec = result.records[0]
    name, sha = rec["source_file"], rec["sha256"]
    warned = dataclasses.replace(result, warnings=[
        {"file": name, "page": 4, "position_no": 3, "message": "table has 5 columns, header has 6"},
        {"file": name, "page": None, "position_no": None, "message": "same bytes as x.pdf: read once"},
    ])
    html = write_html_report(warned, settings).read_text(encoding="utf-8")
    items = _items(html, "warning")
    assert len(items) == 2 and 'data-located="1"' in items[0] and _imgs(items[0])
    assert "hal. 4" in items[0] and "jabatan 3" in items[0]

    failed = dataclasses.replace(result, records=[], failures=[
        Failure(name, sha, "validate", 18, "failed validation: indicators.formulasi not empty"),
        Failure(name, sha, "parse", 2, "time limit: 300 s"),
        Failure("laporan.docx.pdf", "", "sniff", None, "not a PDF: starts with PK"),
    ])
    html = write_html_report(failed, settings).read_text(encoding="utf-8")
    items = _items(html, "failure")
    assert len(items) == 3
    assert _imgs(items[0]) and _imgs(items[1]) and not _imgs(items[2])
    assert "not a PDF: starts with PK" in items[2] and "tidak ada halaman" in items[2]
    assert 'class="position"' not in html  # nothing of a failed file is shown as published
    for s in set(_imgs(html)):
        assert (settings.reports / s).is_file()


def test_text_from_pdfs_is_escaped(sample_run, tmp_path):
    """File names, cell texts and messages come from untrusted PDFs: markup in them is shown as
    text, never run (autoescaped templates)."""
    result, settings, _ = sample_run
    settings = _copy_reports(settings, tmp_path)
    evil = '<script>alert("x")</script>'
    rec = copy.deepcopy(result.records[0])
    rec["source_file"] = f"{evil}.pdf"
    rec["positions"][0]["jabatan"] = evil
    rec["positions"][0]["indicators"][0]["indikator"] = evil
    run = dataclasses.replace(result, records=[rec], warnings=[
        {"file": f"{evil}.pdf", "page": 1, "position_no": 1, "message": f"cell {evil}"}])
    html = write_html_report(run, settings).read_text(encoding="utf-8")
    assert "<script" not in html
    escaped = escape(evil, quote=False)  # &lt;script&gt;alert("x")&lt;/script&gt;
    assert html.count(escaped.split('"')[0]) >= 4  # file name (header and item), jabatan, indikator, message
    assert "&lt;/script&gt;" in html


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp / 'chromium-profile'}", "--enable-logging=stderr", "--v=0", *args],
        capture_output=True, text=True, timeout=180)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="headless check needs the Debian package chromium (/usr/bin/chromium)")
def test_chromium_renders_the_report(report, tmp_path):
    result, settings, page, _ = report
    url = page.resolve().as_uri()
    run = _chromium(tmp_path, "--dump-dom", url)
    assert run.returncode == 0, run.stderr[-2000:]
    dom = run.stdout
    assert dom.rstrip().endswith("</html>") and "Laporan ekstraksi IKI" in dom
    assert not [ln for ln in run.stderr.splitlines() if "CONSOLE" in ln], run.stderr[-2000:]
    for s in SECTIONS:
        assert f'<section id="{s}">' in dom
    assert dom.count('class="position"') == result.positions
    srcs = _imgs(dom)
    assert srcs
    for s in srcs:
        assert (page.parent / s).is_file(), s
    for item in _items(dom, "warning"):
        assert _imgs(item), item[:300]

    shot = tmp_path / "shot.png"
    run = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1400,2000", url)
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    with Image.open(shot) as im:
        im = im.convert("RGB")
        assert im.size == (1400, 2000)
        assert len(im.getcolors(1 << 20) or range(1 << 20)) > 50  # text, pictures, not a blank page
        assert sum(max(im.getpixel((x, 20))) < 130 for x in range(0, 1400, 50)) > 20  # the dark header band
        non_white = sum(im.convert("L").histogram()[:240])
        assert non_white > 0.05 * 1400 * 2000
