"""Parse stage: one decree PDF -> what was read, with file/page/box provenance.

The document is read as a stream of flow lines (header fields, jabatan/tugas/fungsi blocks) and
table grids, in reading order over all pages. A position's table fragments are stitched into
logical rows (repeated headers dropped, rows broken over a page joined, merged or empty NO/SASARAN
cells meaning "same sasaran"), and each row's stacked indicators are split into their own records.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter
from pathlib import Path

from pipeline.core.errors import ParseError
from pipeline.core.files import sha256_file
from pipeline.core.model import PageContent
from pipeline.core.text import join_lines
from pipeline.parse.decree import read_body, signer_of
from pipeline.parse.geometry import Grid, Line, bbox_of, find_grids, group_lines
from pipeline.parse.indicators import build_indicators, single_entries, table_rows
from pipeline.parse.labels import Field, PositionBlock, split_items, split_label
from pipeline.parse.rows import CORE_ROLES, role_of
from pipeline.readers import integrity, open_pages
from pipeline.readers.ocr import OcrWord

PARSER_VERSION = "1"
AGENCY = re.compile(r"^(DINAS|BADAN|SEKRETARIAT|INSPEKTORAT|KECAMATAN|KELURAHAN|SATUAN|RUMAH\s+SAKIT|RSUD|"
                    r"KANTOR|BAGIAN|UPTD?|PEMERINTAH|DPRD)\b")


PAGE_NUMBER = re.compile(r"^[-–—(]?\s*(hal(aman)?\.?\s*)?\d{1,4}\s*([-–—)]|dari\s+\d{1,4})?$", re.I)
DIGITS = re.compile(r"\d+")
MARGIN = 0.09  # top and bottom share of the page where running headers and page numbers live


def _furniture(pages: list[PageContent], flows: list[list[Line]]) -> set[int]:
    """Page numbers and running headers/footers: lines in the page margins that are page numbers
    or repeat (digits aside) at the same height on at least half the pages. They are not content;
    a 'Label :' line never is furniture."""
    def margin(ln: Line, pg: PageContent) -> bool:
        return ln.bottom < pg.height * MARGIN or ln.top > pg.height * (1 - MARGIN)

    seen: dict[tuple[str, int], set[int]] = {}
    keyed = []  # the lines in the margins, with their text (digits aside) and height
    for pg, lines in zip(pages, flows):
        for ln in lines:
            if margin(ln, pg):
                key = (DIGITS.sub("#", ln.text), round(ln.top / 3))
                seen.setdefault(key, set()).add(pg.number)
                keyed.append((ln, key))
    return {id(ln) for ln, key in keyed if not split_label(ln) and (
        PAGE_NUMBER.match(ln.text) or len(seen[key]) >= max(2, len(pages) / 2))}


_TOP_KIND = itemgetter(0, 1)  # a page's lines and grids by top, a line before a grid of its top


def _stream(pages: list[PageContent]):
    tables, flows = [], []
    for pg in pages:
        grids, outside = find_grids(pg.segments, pg.words, pg.number)
        tables.append(grids)
        flows.append(group_lines(outside, pg.number))
    skip = _furniture(pages, flows)
    for pg, grids, lines in zip(pages, tables, flows):
        items = [(ln.top, 0, ln) for ln in lines if id(ln) not in skip]
        items += [(g.top, 1, g) for g in grids]
        for _, _, it in sorted(items, key=_TOP_KIND):
            yield pg, it


STACKED_LAMPIRAN = re.compile(r"LAMPIRAN(\s+[IVX\d]+)?\s*:?")


@dataclass
class _Flow:
    """What the decree's flow has given so far: the annex header's fields and title lines, the
    position blocks, the lines before the annex (a decree body printed before it)."""
    header: dict[str, Field] = field(default_factory=dict)
    title_lines: list[Line] = field(default_factory=list)
    positions: list[PositionBlock] = field(default_factory=list)
    current: Field | None = None
    before: list[Line] = field(default_factory=list)  # every line before the first position
    body: list[Line] = field(default_factory=list)  # the lines before the annex's LAMPIRAN block
    stacked_x: float | None = None  # x0 of a LAMPIRAN block printed as stacked lines

    def lampiran(self) -> None:
        """The annex begins: whatever came before it (fields, title) was the decree body's."""
        self.body = self.before[:-1]
        self.header.clear()
        self.title_lines.clear()

    def label(self, ln: Line, key: str, label: str, value: list) -> None:
        if value:
            value_line = Line(value, ln.page)
            fld = Field(key, label, [value_line], value[0].x0, value_line.bold)
        else:
            fld = Field(key, label, [], None, ln.bold)
        self.current = fld
        if key in ("lampiran", "nomor", "tanggal"):
            if self.positions:
                self.current = None
            elif key == "lampiran" or key not in self.header:
                if key == "lampiran":
                    self.lampiran()
                self.header[key] = fld
            return
        pos = self.positions[-1] if self.positions else None
        if pos is None or key in pos.fields or (key == "jabatan" and set(pos.fields) - {"instansi"}) or \
                (key == "instansi" and (pos.fields or pos.grids)):
            # a position opens with its first field; a repeated field ("Tugas" again) or a Jabatan
            # after other fields than an opening "Instansi :" opens the next one
            pos = PositionBlock(page_first=ln.page, page_last=ln.page)
            self.positions.append(pos)
        pos.fields[key] = fld

    def line(self, ln: Line) -> None:
        cur = self.current
        if cur is not None and _continues(cur, ln):
            if cur.value_x is None:
                cur.value_x = ln.x0
            cur.lines.append(ln)
            if self.positions and cur in self.positions[-1].fields.values():
                self.positions[-1].page_last = ln.page
            return
        self.current = None
        if self.positions:
            if self.positions[-1].grids:  # after the table: a signature block, or other text
                self.positions[-1].after.append(ln)
        elif STACKED_LAMPIRAN.fullmatch(ln.text.upper()):
            self.lampiran()
            self.stacked_x = ln.x0
            self.header["lampiran"] = self.current = Field("lampiran", ln.text.rstrip(" :"), [], None, ln.bold)
        elif self.header and (self.stacked_x is None or abs(ln.x0 - self.stacked_x) <= 3):
            self.title_lines.append(ln)


def parse_pages(pages: list[PageContent]) -> dict:
    """Read a decree from its pages; raises ParseError when it is not one."""
    flow = _Flow()
    for _pg, it in _stream(pages):
        if isinstance(it, Grid):
            flow.current = None
            if flow.positions:
                flow.positions[-1].grids.append(it)
                flow.positions[-1].page_last = it.page
            continue
        if not flow.positions:
            flow.before.append(it)
        lab = split_label(it)
        if lab:
            flow.label(it, *lab)
        else:
            flow.line(it)
    if not flow.positions:
        raise ParseError(f"no IKI position block ('Jabatan :') found on {len(pages)} pages")
    ocr = any(issubclass(kind, OcrWord) for pg in pages for kind in set(map(type, pg.words)))
    return _assemble(flow, [], ocr)


def _continues(fld: Field, ln: Line) -> bool:
    prev = fld.lines[-1] if fld.lines else None
    if fld.value_x is not None and ln.x0 < fld.value_x - 3:
        return False
    if prev is not None and prev.page == ln.page and ln.top - prev.bottom > 2.2 * ln.size:
        return False
    return fld.key in ("tugas", "fungsi") or ln.bold == fld.bold


def _assemble(flow: _Flow, warnings: list[dict], ocr: bool) -> dict:
    header = flow.header

    def value(key: str) -> str:
        f = header.get(key)
        return join_lines([ln.text for ln in f.lines]) if f else ""

    texts = [ln.text for ln in flow.title_lines]
    if flow.stacked_x is not None and texts[:1] == ["TENTANG"]:  # stacked block: "TENTANG" / title
        texts = texts[1:]
    cut = next((k for k, t in enumerate(texts) if k > 0 and AGENCY.match(t.upper())), len(texts) - 1 if len(texts) > 1 else len(texts))
    decree = {"lampiran_of": value("lampiran"), "nomor": value("nomor"), "tanggal": value("tanggal"),
              "title": join_lines(texts[:cut]), "agency": join_lines(texts[cut:]), **read_body(flow.body)}
    tables = [table_rows(pos, no, warnings) for no, pos in enumerate(flow.positions, 1)]
    known = cache(lambda: single_entries([row for _, rows in tables for row in rows]))  # gathered when first asked
    out_positions = []
    for (no, pos), (columns, rows) in zip(enumerate(flow.positions, 1), tables):
        jab = pos.fields.get("jabatan")
        tugas_numbered, tugas = split_items(pos.fields["tugas"].lines) if "tugas" in pos.fields else (False, [])
        fungsi_numbered, fungsi = split_items(pos.fields["fungsi"].lines) if "fungsi" in pos.fields else (False, [])
        indicators = build_indicators(rows, known, ocr)
        if not pos.grids:
            warnings.append({"page": pos.page_first, "position_no": no, "message": "position has no indicator table"})
        out_positions.append({
            "position_no": no,
            "labels": {k: f.label for k, f in pos.fields.items()},
            "jabatan": join_lines([ln.text for ln in jab.lines]) if jab else "",
            "tugas": tugas, "tugas_numbered": tugas_numbered,
            "fungsi": fungsi, "fungsi_numbered": fungsi_numbered,
            "page_first": pos.page_first, "page_last": pos.page_last,
            "columns": columns,
            "cells": {k: bbox_of(f.lines, []) for k, f in pos.fields.items()},
            "indicators": indicators,
            **signer_of(pos.after),
        })
    _absent_columns(out_positions, warnings)
    return {"decree": decree, "decree_cells": {k: bbox_of(f.lines, []) for k, f in header.items()},
            "positions": out_positions, "warnings": warnings}


def _absent_columns(positions: list[dict], warnings: list[dict]) -> None:
    """One notice per decree for columns its tables do not print (those fields stay empty): a
    layout choice of the agency, not a fault of any one position."""
    absent = set()
    for p in positions:
        roles = {role_of(h) for h in p["columns"]}
        absent |= {r for r in ("no", *CORE_ROLES) if p["columns"] and r not in roles}
    if absent:
        names = ", ".join(r.upper().replace("_", " ") for r in ("no", *CORE_ROLES) if r in absent)
        warnings.append({"page": None, "position_no": None,
                         "message": f"notice: the tables print no {names} column; those fields are empty"})


UNDECODED = re.compile(r"[\ufffd\x00-\x08\x0b-\x1f\x7f]")  # U+FFFD or a control character in a word


def damaged_pages(pages: list[PageContent], positions: list[dict], damage: dict[int, str]) -> list[dict]:
    """A warning per page a damaged PDF may have emptied or garbled, so a decree is never published
    short without a word: a page without text (a lost content stream reads as a blank page; a lost
    first page takes the first position with it), text that did not decode (U+FFFD, control
    characters), or `damage` found in the file's bytes (`readers.integrity`: a stream that breaks
    off, a part missing), which a page that kept some of its text shows no other sign of. Each names
    the page and the position printed there (the last one begun by that page, None before the
    first); one line per page."""
    out = []
    for pg in pages:
        begun = [p["position_no"] for p in positions if p["page_first"] <= pg.number]
        bad = len(UNDECODED.findall("".join([w.text for w in pg.words])))  # one character each: no match spans two
        said = []
        if pg.unreadable:
            said.append(f"page could not be read ({pg.unreadable}): anything printed there is missing")
        elif not pg.words:
            said.append("page without text (damaged, or left blank?): anything printed there is missing")
        elif bad:
            said.append(f"{bad} character(s) on this page did not decode (U+FFFD or control characters): "
                        f"its texts may be garbled")
        if pg.number in damage:
            said.append(f"damaged PDF: {damage[pg.number]}")
        if said:
            out.append({"page": pg.number, "position_no": begun[-1] if begun else None, "message": "; ".join(said)})
    return out


def parse_pdf(path: Path, max_pages: int = 0, reader: str = "pdfplumber", on_page=None, ocr_threads: int = 1) -> dict:
    """The interim record of one PDF: decree fields, positions, indicators with provenance;
    scanned pages are read by OCR, `ocr_threads` pages at a time."""
    path = Path(path)
    digest = sha256_file(path)
    pages = []
    for pg in open_pages(path, max_pages, reader, ocr_threads):
        pages.append(pg)
        if on_page:
            on_page(pg.number)
    if not pages:
        raise ParseError("PDF has no pages")
    scanned = [pg.number for pg in pages if not pg.words and pg.n_images]
    if scanned:  # scanned pages are read by OCR into the same page shape
        from pipeline.readers import ocr  # noqa: PLC0415 - only scans need it
        if not ocr.available():
            raise ParseError(f"image-only: no text layer on {len(scanned)} pages, and OCR (tesseract-ocr-ind) "
                             "is not installed", page=scanned[0])
        by_no = {}
        for pg in ocr.read_pdf(path, max_pages, pages=scanned, threads=ocr_threads):
            by_no[pg.number] = pg
            if on_page:  # seconds per page: the guard's time limit counts these too
                on_page(pg.number)
        pages = [by_no.get(pg.number, pg) for pg in pages]
    if not any(pg.words for pg in pages):
        if scanned:
            raise ParseError(f"image-only: OCR found no text on {len(scanned)} scanned pages", page=scanned[0])
        raise ParseError(f"no text on {len(pages)} pages: the pages are blank", page=1)
    result = parse_pages(pages)
    result["warnings"] += damaged_pages(pages, result["positions"], integrity.damaged_pages(path))
    return {"parser_version": PARSER_VERSION, "source_file": path.name, "sha256": digest,
            "decree_id": digest[:16], "n_pages": len(pages), "source_kind": "ocr" if scanned else "text",
            **result}
