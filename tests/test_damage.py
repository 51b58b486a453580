"""Damage a reader passes over in silence (issue 21 point 2): a compressed content stream cut short or
with a flipped byte, a font gone from the file. PDFium reads such a page without complaint and keeps
part of its text; the decree must still be published, with a warning naming the file, the page and
the position printed there. Sound PDFs of every producer get no such warning."""
from __future__ import annotations

import random
import re
import shutil

import pytest
from conftest import ROOT, SAMPLE, read_curated, run_on
from fixtures.content import make_content
from fixtures.generator import FAMILY_VARIANTS, VARIANTS, cache_dir, render
from goldlib import compare, load_gold
from pypdf import PdfReader, PdfWriter

from pipeline.core.files import sha256_file
from pipeline.parse.document import parse_pdf
from pipeline.readers import integrity
from pipeline.readers.pdfium import read_pdf

GOOD_ID = sha256_file(SAMPLE)[:16]


def _content_object(page_no: int) -> int:
    return PdfReader(SAMPLE).pages[page_no - 1].raw_get("/Contents").idnum


def cut_stream(out, page_no: int) -> None:
    """The sample with the page's compressed content stream cut to its first half (lengths and
    xref rewritten by pypdf, so only the stream itself is damaged)."""
    writer = PdfWriter(clone_from=SAMPLE)
    stream = writer.pages[page_no - 1]["/Contents"].get_object()
    stream._data = stream._data[:len(stream._data) // 2]
    writer.write(out)


def cut_and_stored_sound(out, page_no: int) -> None:
    """The sample with the page's content cut to its first half and compressed again as a sound
    stream, as a repair tool stores what it could read: every stream inflates to its end."""
    writer = PdfWriter(clone_from=SAMPLE)
    stream = writer.pages[page_no - 1]["/Contents"].get_object()
    content = stream.get_data()
    stream.set_data(content[:len(content) // 2])
    writer.write(out)


def flip_byte(out, page_no: int) -> None:
    """The sample with one byte flipped halfway into the page's compressed content stream."""
    data = bytearray(SAMPLE.read_bytes())
    head = re.search(rb"(?<![0-9])%d 0 obj" % _content_object(page_no), data)
    start = data.index(b"stream", head.end()) + len(b"stream\n")
    end = data.index(b"endstream", start)
    data[start + (end - start) // 2] ^= 0xFF
    out.write_bytes(bytes(data))


def lose_font(out, name: str) -> int:
    """The sample with the font the first page calls `name` gone (its object renumbered away);
    returns how many pages use it."""
    reader = PdfReader(SAMPLE)
    number = reader.pages[0]["/Resources"]["/Font"].raw_get(name).idnum
    out.write_bytes(re.sub(rb"(?<![0-9])%d 0 obj" % number, b"99999 0 obj", SAMPLE.read_bytes(), count=1))
    return sum(p["/Resources"]["/Font"].raw_get(name) is not None and
               p["/Resources"]["/Font"].raw_get(name).idnum == number for p in reader.pages)


def _position_on(page_no: int, positions: list[dict]) -> int:
    return [p["position_no"] for p in positions if p["page_first"] <= page_no][-1]


def test_damaged_streams_are_published_with_a_warning_naming_file_page_and_position(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    cut_stream(raw / "terpotong.pdf", 10)
    flip_byte(raw / "terbalik.pdf", 12)
    cut_and_stored_sound(raw / "diperbaiki.pdf", 16)
    n_font_pages = lose_font(raw / "tanpa-font.pdf", "/F2")
    shutil.copy(SAMPLE, raw / "baik.pdf")
    good = {pg.number: len(pg.words) for pg in read_pdf(SAMPLE)}
    cases = {"terpotong.pdf": (10, "breaks off part-way"), "terbalik.pdf": (12, "breaks off part-way"),
             "diperbaiki.pdf": (16, "stops part-way, its drawing left unfinished")}
    for name, (page_no, _) in cases.items():  # the silent case: text lost, not all
        kept = {pg.number: len(pg.words) for pg in read_pdf(raw / name)}
        assert 0 < kept[page_no] < good[page_no], (name, kept[page_no], good[page_no])
    positions = parse_pdf(SAMPLE, reader="pdfium")["positions"]

    result, settings = run_on(tmp_path, [])

    assert result.published
    published = set(read_curated(settings.curated)["decrees"].source_file)
    assert {*cases, "baik.pdf"} <= published  # without the font nothing reads as a table
    damaged = [w for w in result.warnings if "damaged PDF" in w["message"]]
    for name, (page_no, what) in cases.items():
        [warning] = [w for w in damaged if w["file"] == name]
        assert warning["page"] == page_no and warning["position_no"] == _position_on(page_no, positions)
        assert warning["message"].startswith(f"damaged PDF: the page's content {what}"), warning
        assert "\n" not in warning["message"]
    font = [w for w in damaged if w["file"] == "tanpa-font.pdf"]
    assert len(font) == n_font_pages > 1 and len({w["page"] for w in font}) == n_font_pages
    assert all("a font on this page is missing from the file" in w["message"] for w in font)
    assert not [w for w in damaged if w["file"] == "baik.pdf"]
    assert compare(load_gold(), GOOD_ID, read_curated(settings.curated)) == []


def _sound_pdfs(tmp_path) -> list:
    """The sample, the warm-up PDF, a LibreOffice and a Chromium rendering, the sample locked with an
    owner password only (readable, streams enciphered), and every PDF the fixture cache holds (both
    producers, every layout variant rendered so far)."""
    rendered = render([(make_content(5), VARIANTS["reference"]), (make_content(6), FAMILY_VARIANTS["html_reference"])],
                      tmp_path / "rendered")
    writer = PdfWriter(clone_from=SAMPLE)
    writer.encrypt(user_password="", owner_password="pemilik", algorithm="AES-128")
    writer.write(tmp_path / "terkunci-pemilik.pdf")
    return [SAMPLE, ROOT / "pipeline" / "run" / "warmup.pdf", *rendered, tmp_path / "terkunci-pemilik.pdf",
            *sorted(cache_dir().glob("*.pdf"))]


def test_sound_pdfs_give_no_damage_warning(tmp_path):
    pdfs = _sound_pdfs(tmp_path)
    assert {pdf: integrity.damaged_pages(pdf) for pdf in pdfs if integrity.damaged_pages(pdf)} == {}
    for pdf in pdfs[:5]:
        assert not [w for w in parse_pdf(pdf, reader="pdfium")["warnings"] if "damaged PDF" in w["message"]]


@pytest.mark.parametrize("damage", [cut_stream, flip_byte, cut_and_stored_sound])
def test_the_check_sees_the_damage_the_reader_hides(tmp_path, damage):
    """Without the byte check these pages look read: words, no U+FFFD, no blank page."""
    out = tmp_path / "x.pdf"
    damage(out, 7)
    assert list(integrity.damaged_pages(out)) == [7]
    assert integrity.damaged_pages(SAMPLE) == {}


def break_page_object(out, page_no: int) -> None:
    """The sample with one page's object replaced by a number (same length, so the xref holds):
    PDFium cannot load that page; the others are sound."""
    data = SAMPLE.read_bytes()
    number = PdfReader(SAMPLE).pages[page_no - 1].indirect_reference.idnum
    head = re.search(rb"(?<![0-9])%d 0 obj" % number, data)
    end = data.index(b"endobj", head.end())
    out.write_bytes(data[:head.end()] + b"\n42\n".ljust(end - head.end(), b" ") + data[end:])


def test_a_page_that_fails_to_load_is_named_and_the_rest_published(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    break_page_object(raw / "halaman-rusak.pdf", 3)
    pages = list(read_pdf(raw / "halaman-rusak.pdf"))
    assert [pg.number for pg in pages] == list(range(1, 31))  # the pages after it keep their numbers
    assert pages[2].unreadable and not pages[2].words and all(pg.words for pg in pages[3:])

    result, settings = run_on(tmp_path, [])

    [warning] = [w for w in result.warnings if w["file"] == "halaman-rusak.pdf" and w["page"] == 3]
    assert warning["message"].startswith("page could not be read (PdfiumError"), warning
    assert warning["position_no"] == 1  # position 2 began on page 3: the last one read before it
    assert "halaman-rusak.pdf" in set(read_curated(settings.curated)["decrees"].source_file)


def _dictionaries(r: random.Random, n: int) -> list[bytes]:
    """Made-up dictionaries: every kind of value a simple one holds, and what makes one not simple
    (nesting, strings, comments, stray and stop tokens, long numbers, a missing end, deep arrays)."""
    keys = [b"/Type", b"/A", b"/", b"/Length", b"/K#20x", b"/Kids"]
    values = [b"/Page", b"/", b"5 0 R", b"5  0\nR", b"12", b"-3", b"+.5", b"true", b"null", b"[0 0 1 1]", b"[]",
              b"12345678901", b"12345678901 0 R", b"5 12345678901 R", b"1 0 Rx", b"1 0 R(", b"nullx", b"4abc", b"5 0",
              b"[1 R]", b"[/A]", b"<< >>", b"<</X 1>>", b"(s)", b"<0a>", b"stream", b"endobj", b"endstream", b"R",
              b"%c\n1", b"1 %c\n0 R", b"1 0 %c\nR", b"{", b"]"]
    spaces = [b"", b" ", b"\n", b"\r\n ", b"\t", b"\x00", b"\f"]
    out = []
    for _ in range(n):
        pairs = b"".join(r.choice(spaces) + (r.choice(keys) if r.random() < 0.95 else r.choice(values)) +
                         r.choice(spaces) + r.choice(values[:10] if r.random() < 0.7 else values)
                         for _ in range(r.randint(0, 6)))
        text = b"<<" + pairs + r.choice(spaces) + r.choice([b">>", b" >>", b">", b"", b">>>>", b" >>\nstream\n"])
        text = r.choice([b"", b"", b"<<", b"[", b"<</K", b"[" * r.randint(60, 68)]) + r.choice(spaces) + text
        out.append(text + r.choice([b"", b" endobj", b" /X 1 >>"]))
    return out


def test_a_simple_dictionary_reads_as_token_by_token(monkeypatch):
    """parse reads a dictionary of names, references, numbers and flat arrays with one findall; what it
    gives must be what reading it token by token gives, on the sample's objects and made-up ones."""
    data = SAMPLE.read_bytes()
    cases = [(data, at) for at, _ in integrity.Document(data).heads]
    cases += [(text, 0) for text in _dictionaries(random.Random(21), 20_000)]

    def read_all() -> list:
        out = []
        for text, at in cases:
            try:
                out.append(integrity.parse(text, at))
            except integrity.TooDeep:
                out.append("too deep")
        return out

    simple = []
    monkeypatch.setattr(integrity, "_simple_dict", lambda text, start, read=integrity._simple_dict:
                        simple.append(read(text, start)) or simple[-1])
    fast = read_all()
    monkeypatch.setattr(integrity, "_simple_dict", lambda text, start: None)
    assert fast == read_all()
    assert sum(d is not None for d in simple) > 2_000 and sum(d is None for d in simple) > 2_000  # both ways tried
