"""Parse stage: one decree PDF -> what was read, with file/page/box provenance.

The document is read as a stream of flow lines (header fields, jabatan/tugas/fungsi blocks) and
table grids, in reading order over all pages. A position's table fragments are stitched into
logical rows (repeated headers dropped, rows broken over a page joined, merged or empty NO/SASARAN
cells meaning "same sasaran"), and each row's stacked indicators are split into their own records.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from .geometry import Cell, Grid, Line, find_grids, group_lines
from .ocr import confidence
from .reader import PageContent, open_pages
from .text import collapse, join_lines

PARSER_VERSION = "1"

ROLES = ("no", "sasaran", "indikator", "formulasi", "sumber_data", "penanggung_jawab")
VALUE_ROLES = ("formulasi", "sumber_data", "penanggung_jawab")
SHARED_ROLES = ("sumber_data", "penanggung_jawab", "target")  # printed once for stacked items

FIELD_LABELS = {
    "lampiran": re.compile(r"LAMPIRAN(\s+[IVX\d]+)?"),
    "nomor": re.compile(r"NOMOR|NO\.?"),
    "tanggal": re.compile(r"TANGGAL|TGL\.?"),
    "jabatan": re.compile(r"(NAMA\s+)?JABATAN"),
    "tugas": re.compile(r"(URAIAN\s+)?TUGAS(\s+POKOK)?|IKHTISAR\s+JABATAN"),
    "fungsi": re.compile(r"FUNGSI"),
}
LABEL_NUMBER = re.compile(r"^(\(?\d{1,2}[.)]|[a-zA-Z][.)]|[IVX]{1,4}\.)\s*")
LIST_LABEL = re.compile(r"^(\(?\d{1,2}[.)]|\(?[a-z][.)]|•)(?=\s|[A-Z(\"'])")
ITEM_LABEL = re.compile(r"^(\(?\d{1,2}[.)]|\(?[a-z][.)])(?=\s|[A-Z(\"'])")
TIMES_100 = re.compile(r"[xX×*]\s*100\s*%\s*$")
RULE_TEXT = re.compile(r"^[_\-–—=.]{3,}$")
AGENCY = re.compile(r"^(DINAS|BADAN|SEKRETARIAT|INSPEKTORAT|KECAMATAN|KELURAHAN|SATUAN|RUMAH\s+SAKIT|RSUD|"
                    r"KANTOR|BAGIAN|UPTD?|PEMERINTAH|DPRD)\b")


class ParseError(Exception):
    """A file that cannot be read as a decree; the message is for a data officer."""

    def __init__(self, reason: str, page: int | None = None, detail: str = ""):
        super().__init__(reason)
        self.reason, self.page, self.detail = reason, page, detail


@dataclass
class Field:
    key: str
    label: str
    lines: list[Line]
    value_x: float | None
    bold: bool


@dataclass
class PositionBlock:
    fields: dict[str, Field] = field(default_factory=dict)
    grids: list[Grid] = field(default_factory=list)
    page_first: int = 0
    page_last: int = 0


def role_of(header: str) -> str | None:
    t = re.sub(r"[^A-Z ]", "", header.upper().replace("-", " "))
    t = collapse(t)
    compact = t.replace(" ", "")
    if compact in ("NO", "NOMOR", "NOURUT"):
        return "no"
    if "INDIKATOR" in compact:
        return "indikator"
    if "SASARAN" in compact:
        return "sasaran"
    if "FORMULA" in compact or "PERHITUNGAN" in compact or "RUMUS" in compact:
        return "formulasi"
    if "SUMBER" in compact:
        return "sumber_data"
    if "PENANGGUNG" in compact or "JAWAB" in compact:
        return "penanggung_jawab"
    if "TARGET" in compact:
        return "target"
    return None


def cell_lines(cell: Cell | None, page: int) -> list[Line]:
    if cell is None:
        return []
    return group_lines(cell.words, page)


def header_texts(grid: Grid, row: int) -> list[str] | None:
    """The row's cell texts when it reads as the IKI table header."""
    texts = []
    for i in range(len(grid.xs) - 1):
        c = grid.cell(row, i)
        texts.append(join_lines([ln.text for ln in cell_lines(c, grid.page)]) if c else "")
    roles = {role_of(t) for t in texts if t and len(t.split()) <= 6 and t.upper() == t}
    return texts if len(roles & {"sasaran", "indikator", "formulasi", "sumber_data", "penanggung_jawab"}) >= 3 else None


# --- flow text: header fields and position blocks -------------------------------------------

def split_label(line: Line) -> tuple[str, str, list] | None:
    """(field key, label as printed, value words) for a 'Label : value' line."""
    words = line.words
    for k, w in enumerate(words[:6]):
        if w.text == ":" or w.text.endswith(":"):
            label_words = [x.text for x in words[:k]] + ([w.text[:-1]] if w.text != ":" else [])
            label = collapse(" ".join(label_words))
            core = LABEL_NUMBER.sub("", label).upper()
            for key, rx in FIELD_LABELS.items():
                if rx.fullmatch(core):
                    return key, label, words[k + 1:]
            return None
        if w.text.startswith(":") and k > 0:
            return None
    return None


def split_items(lines: list[Line]) -> tuple[bool, list[str]]:
    """A numbered list into items with the numbers stripped; unnumbered text into paragraphs."""
    if not lines:
        return False, []
    m = LIST_LABEL.match(lines[0].text)
    items: list[list[str]] = []
    if m:
        num_x = lines[0].x0
        for ln in lines:
            lm = LIST_LABEL.match(ln.text)
            if lm and abs(ln.x0 - num_x) <= 3:
                items.append([ln.text[lm.end():]])
            else:
                items[-1].append(ln.text)
        return True, [join_lines(it) for it in items]
    prev: Line | None = None
    for ln in lines:
        gap = ln.top - prev.bottom if prev is not None and prev.page == ln.page else 0
        if prev is None or gap > 1.0 * ln.size:
            items.append([])
        items[-1].append(ln.text)
        prev = ln
    return False, [join_lines(it) for it in items]


# --- table rows ------------------------------------------------------------------------------

@dataclass
class Part:
    """Lines of one column of one logical row, with the rules drawn among them."""
    lines: list[Line] = field(default_factory=list)
    rules: list[tuple[int, float, float, float]] = field(default_factory=list)  # (page, y, x0, x1)
    boxes: list[tuple[int, float, float, float, float]] = field(default_factory=list)

    def add(self, cell: Cell, page: int) -> None:
        lines = cell_lines(cell, page)
        for ln in lines:
            if RULE_TEXT.match(ln.text.replace(" ", "")):
                self.rules.append((page, ln.cy, ln.x0, ln.x1))
            else:
                self.lines.append(ln)
        self.rules += [(page, *r) for r in cell.rules]
        self.boxes.append((page, cell.x0, cell.top, cell.x1, cell.bottom))

    @property
    def text(self) -> str:
        return join_lines([ln.text for ln in self.lines])


@dataclass
class Row:
    page: int
    parts: dict[str, Part]
    covered: set[str]  # columns merged from the row above
    new_page: bool = False  # first row of a table fragment on a later page
    sasaran_index: int = -1


def grid_rows(grid: Grid, start: int, columns: list[str]) -> list[Row]:
    rows = []
    for j in range(start, grid.n_rows):
        parts, covered = {}, set()
        for i, key in enumerate(columns):
            c = grid.cell(j, i)
            part = Part()
            if c is None:
                covered.add(key)
            else:
                part.add(c, grid.page)
            parts[key] = part
        rows.append(Row(grid.page, parts, covered))
    return rows


def _column_numbers(row: Row) -> bool:
    """The row of column numbers "1 2 3 ..." (or "(1) (2) ...") some tables print under the header."""
    texts = [p.text for p in row.parts.values() if p.text]
    return len(texts) >= 3 and all(re.fullmatch(r"\(?\d{1,2}\)?", t) for t in texts) and \
        [int(t.strip("()")) for t in texts] == list(range(int(texts[0].strip("()")), int(texts[0].strip("()")) + len(texts)))


def is_tail(row: Row, prev: Row) -> bool:
    """Is the first row on a continuation page the rest of a row broken by the page break?
    New rows are filled and top-aligned in every column; a broken row's rest is not."""
    if row.parts.get("no", Part()).text:
        return False
    ind = row.parts.get("indikator", Part())
    if not ind.lines or ind.text[0].islower():
        return True
    prev_ind = prev.parts.get("indikator", Part())
    if prev_ind.lines and ITEM_LABEL.match(prev_ind.text) and not ITEM_LABEL.match(ind.text):
        return True
    tol = 0.5 * ind.lines[0].size
    for r in VALUE_ROLES:
        part = row.parts.get(r)
        if part is None:
            continue
        if not part.lines or part.lines[0].top < ind.lines[0].top - tol:
            return True
    return False


def merge_into(dst: Row, src: Row) -> None:
    for key, part in src.parts.items():
        d = dst.parts.setdefault(key, Part())
        d.lines += part.lines
        d.rules += part.rules
        d.boxes += part.boxes


def _after(key: tuple[int, float], anchor: tuple[int, float], tol: float) -> bool:
    return key[0] > anchor[0] or (key[0] == anchor[0] and key[1] >= anchor[1] - tol)


def split_stacked(part: Part) -> list[tuple[str, list[str], tuple[int, float], list[Line]]]:
    """INDIKATOR cell -> [(label, texts without the label, anchor, lines)] per stacked indicator:
    items start at a label of the first item's style and indent, or after blank space."""
    lines = part.lines
    if not lines:
        return [("", [], (0, 0.0), [])]
    first = ITEM_LABEL.match(lines[0].text)
    starts = [0]
    for k in range(1, len(lines)):
        a, b = lines[k - 1], lines[k]
        if first:
            m = ITEM_LABEL.match(b.text)
            if m and _label_style(m.group(1)) == _label_style(first.group(1)) and abs(b.x0 - lines[0].x0) <= 3:
                starts.append(k)
        elif a.page == b.page and b.top - a.bottom > 0.9 * b.size:
            starts.append(k)
    items = []
    for n, s in enumerate(starts):
        item_lines = lines[s: starts[n + 1] if n + 1 < len(starts) else len(lines)]
        chunk = [ln.text for ln in item_lines]
        label = ""
        if first:
            m = ITEM_LABEL.match(chunk[0])
            label, chunk[0] = m.group(1), chunk[0][m.end():]
        items.append((label, chunk, lines[s].key, item_lines))
    return items


def _label_style(label: str) -> str:
    return re.sub(r"\w+", "0", label)


def distribute(part: Part, anchors: list[tuple[int, float]], tol: float) -> list[Part]:
    """Assign a column's lines and rules to the stacked item whose top they follow."""
    out = [Part(boxes=part.boxes) for _ in anchors]

    def slot(key: tuple[int, float]) -> int:
        k = 0
        for n, a in enumerate(anchors):
            if _after(key, a, tol):
                k = n
        return k

    for ln in part.lines:
        out[slot(ln.key)].lines.append(ln)
    for r in part.rules:
        out[slot(r[:2])].rules.append(r)
    return out


def fraction(part: Part) -> tuple[str, str | None, str | None]:
    """(formulasi, pembilang, penyebut): a rule with text above and below, or a line ending in
    'x 100%' followed by more lines, is a fraction. Words printed right of the bar ("X 100%"
    beside a wrapped numerator) belong at the numerator's end. A bar under '... x 100%' with
    nothing below is half a fraction (no penyebut), for validation to report."""
    lines = part.lines
    rules = sorted(part.rules)
    num: list[str] = []
    den: list[Line] = []
    for page, y, x0, x1 in rules:
        above = [ln for ln in lines if (ln.page, ln.cy) < (page, y)]
        below = [ln for ln in lines if (ln.page, ln.cy) > (page, y)]
        if not (above and below):
            continue
        main, beside = [], []
        for ln in above:
            own = [r for r in rules if r[0] == ln.page and ln.cy < r[1] <= ln.bottom + 0.6 * ln.size]
            end = own[0][3] if own else x1
            main.append(" ".join(w.text for w in ln.words if w.x0 < end - 1))
            beside += [w.text for w in ln.words if w.x0 >= end - 1]
        while len(below) > 1 and len(below[0].text) <= 8:  # "X 100" + a wrapped "%"
            head = join_lines(main + [" ".join(beside)])
            if TIMES_100.search(head) or not TIMES_100.search(f"{head} {below[0].text}"):
                break
            beside.append(below.pop(0).text)
        num, den = main + [" ".join(beside)], below
    if not den:
        for k in range(len(lines) - 1):
            if TIMES_100.search(join_lines([x.text for x in lines[:k + 1]])):
                num, den = [x.text for x in lines[:k + 1]], lines[k + 1:]
                break
    if not den:
        if any(all((ln.page, ln.cy) < (page, y) for ln in lines) for page, y, _, _ in part.rules) and \
                lines and TIMES_100.search(part.text):
            return part.text, part.text, None  # a bar under "... x 100%" and nothing below: half a fraction
        return part.text, None, None
    n, d = join_lines(num), join_lines([ln.text for ln in den])
    return f"{n} / {d}", n, d


def bbox_of(lines: list[Line], fallback: list) -> list[list[float]]:
    if not lines:
        return [list(b) for b in fallback]
    pages: dict[int, list[float]] = {}
    for ln in lines:
        b = pages.setdefault(ln.page, [ln.x0, ln.top, ln.x1, ln.bottom])
        b[0], b[1], b[2], b[3] = min(b[0], ln.x0), min(b[1], ln.top), max(b[2], ln.x1), max(b[3], ln.bottom)
    return [[p, *(round(v, 2) for v in b)] for p, b in sorted(pages.items())]


@dataclass
class Sasaran:
    label: str
    lines: list[Line]


def build_indicators(pos: PositionBlock, position_no: int, warnings: list[dict]) -> tuple[list[str], list[dict]]:
    """Stitch a position's table fragments into logical rows, then into indicator records."""
    columns: list[str] | None = None
    headers: list[str] = []
    rows: list[Row] = []
    last_page = None
    for grid in pos.grids:
        start = 0
        texts = header_texts(grid, 0)
        if texts is not None:
            start = 1
            if columns is None:
                headers = texts
                columns = []
                for t in texts:
                    r = role_of(t)
                    key = r if r and r not in columns else f"extra:{t}"
                    columns.append(key)
        if columns is None:
            warnings.append({"page": grid.page, "position_no": position_no,
                             "message": "table without a header row before it; skipped"})
            continue
        if len(grid.xs) - 1 != len(columns):
            warnings.append({"page": grid.page, "position_no": position_no,
                             "message": f"table has {len(grid.xs) - 1} columns, header has {len(columns)}"})
            continue
        new_page = last_page is not None and grid.page != last_page
        for k, row in enumerate(r for r in grid_rows(grid, start, columns) if not _column_numbers(r)):
            if k == 0 and new_page and rows and is_tail(row, rows[-1]):
                merge_into(rows[-1], row)
            else:
                row.new_page = k == 0 and new_page
                rows.append(row)
        last_page = grid.page
    if columns is None:
        return [], []
    for role in ("sasaran", "indikator", "formulasi", "sumber_data", "penanggung_jawab"):
        if role not in columns:
            warnings.append({"page": pos.page_first, "position_no": position_no,
                             "message": f"table has no {role.upper().replace('_', ' ')} column "
                                        f"(header: {' | '.join(headers)})"})
    uses_numbers = any(r.parts.get("no", Part()).text for r in rows)
    sasaran: list[Sasaran] = []
    records: list[dict] = []
    for row in rows:
        no = row.parts.get("no", Part())
        sas = row.parts.get("sasaran", Part())
        if {"no", "sasaran"} <= row.covered or (not no.text and not sas.text and sasaran):
            pass
        elif no.text or not sasaran:
            sasaran.append(Sasaran(no.text, list(sas.lines)))
        elif row.new_page and (uses_numbers or sas.text[:1].islower()):
            sasaran[-1].lines += sas.lines
        else:
            sasaran.append(Sasaran("", list(sas.lines)))
        row.sasaran_index = len(sasaran) - 1
        ind = row.parts.get("indikator", Part())
        items = split_stacked(ind)
        anchors = [item[2] for item in items]
        tol = 0.5 * (ind.lines[0].size if ind.lines else 8)
        split = {key: distribute(part, anchors, tol) for key, part in row.parts.items()
                 if key not in ("no", "sasaran", "indikator")}
        for key in SHARED_ROLES + tuple(k for k in split if k.startswith("extra:")):
            if key in split and len(items) > 1 and all(not p.lines for p in split[key][1:]):
                split[key] = [split[key][0]] * len(items)
        for n, (label, texts, _, item_lines) in enumerate(items):
            rec = {"row_parts": split, "n": n, "label": label, "texts": texts, "lines": item_lines, "row": row}
            records.append(rec)
    return headers, _finish(records, sasaran)


def _finish(records: list[dict], sasaran: list[Sasaran]) -> list[dict]:
    out = []
    sas_no = {}
    for ino, rec in enumerate(records, 1):
        row: Row = rec["row"]
        n = rec["n"]
        si = row.sasaran_index
        s = sasaran[si]
        sas_no.setdefault(si, len(sas_no) + 1)
        parts = {k: v[n] for k, v in rec["row_parts"].items()}
        formula_part = parts.get("formulasi", Part())
        formulasi, pembilang, penyebut = fraction(formula_part)
        extra = {k[6:]: p.text for k, p in parts.items() if k.startswith("extra:")}
        ind_part = row.parts.get("indikator", Part())
        cells = {
            "sasaran": bbox_of(s.lines, []),
            "indikator": bbox_of(rec["lines"], ind_part.boxes),
            **{k: bbox_of(p.lines, p.boxes) for k, p in parts.items()},
        }
        words = [w for ln in s.lines + rec["lines"] for w in ln.words]
        words += [w for p in parts.values() for ln in p.lines for w in ln.words]
        out.append({
            "indicator_no": ino,
            "sasaran_no": sas_no[si],
            "sasaran_label": s.label,
            "sasaran": join_lines([ln.text for ln in s.lines]),
            "indikator_label": rec["label"],
            "indikator": join_lines(rec["texts"]),
            "formulasi": formulasi,
            "pembilang": pembilang,
            "penyebut": penyebut,
            "sumber_data": parts["sumber_data"].text if "sumber_data" in parts else "",
            "penanggung_jawab": parts["penanggung_jawab"].text if "penanggung_jawab" in parts else "",
            "target": parts["target"].text if "target" in parts else None,
            "extra": extra,
            "page": row.page,
            "ocr_confidence": confidence(words),
            "cells": cells,
        })
    return out


# --- the document ----------------------------------------------------------------------------

PAGE_NUMBER = re.compile(r"^[-–—(]?\s*(hal(aman)?\.?\s*)?\d{1,4}\s*([-–—)]|dari\s+\d{1,4})?$", re.I)
MARGIN = 0.09  # top and bottom share of the page where running headers and page numbers live


def _furniture(pages: list[PageContent], flows: list[list[Line]]) -> set[int]:
    """Page numbers and running headers/footers: lines in the page margins that are page numbers
    or repeat (digits aside) at the same height on at least half the pages. They are not content;
    a 'Label :' line never is furniture."""
    def margin(ln: Line, pg: PageContent) -> bool:
        return ln.bottom < pg.height * MARGIN or ln.top > pg.height * (1 - MARGIN)

    seen: dict[tuple[str, int], set[int]] = {}
    for pg, lines in zip(pages, flows):
        for ln in lines:
            if margin(ln, pg):
                seen.setdefault((re.sub(r"\d+", "#", ln.text), round(ln.top / 3)), set()).add(pg.number)
    out = set()
    for pg, lines in zip(pages, flows):
        for ln in lines:
            repeats = len(seen[(re.sub(r"\d+", "#", ln.text), round(ln.top / 3))]) if margin(ln, pg) else 0
            if margin(ln, pg) and not split_label(ln) and (
                    PAGE_NUMBER.match(ln.text) or repeats >= max(2, len(pages) / 2)):
                out.add(id(ln))
    return out


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
        for _, _, it in sorted(items, key=lambda t: (t[0], t[1])):
            yield pg, it


def parse_pages(pages: list[PageContent]) -> dict:
    """Read a decree from its pages; raises ParseError when it is not one."""
    header: dict[str, Field] = {}
    title_lines: list[Line] = []
    positions: list[PositionBlock] = []
    current: Field | None = None
    warnings: list[dict] = []
    for pg, it in _stream(pages):
        if isinstance(it, Grid):
            current = None
            if positions:
                positions[-1].grids.append(it)
                positions[-1].page_last = it.page
            continue
        ln: Line = it
        lab = split_label(ln)
        if lab:
            key, label, value = lab
            fld = Field(key, label, [Line(value, ln.page)] if value else [],
                        value[0].x0 if value else None, Line(value, ln.page).bold if value else ln.bold)
            if key in ("lampiran", "nomor", "tanggal"):
                if not positions:
                    header.setdefault(key, fld)
                    current = fld
                else:
                    current = None
                continue
            if key == "jabatan" or not positions:
                positions.append(PositionBlock(page_first=ln.page, page_last=ln.page))
            pos = positions[-1]
            if key in pos.fields:  # a second "Tugas" label without a new Jabatan: a new block
                positions.append(PositionBlock(page_first=ln.page, page_last=ln.page))
                pos = positions[-1]
            pos.fields[key] = fld
            current = fld
            continue
        if current is not None and _continues(current, ln):
            if current.value_x is None:
                current.value_x = ln.x0
            current.lines.append(ln)
            if positions and current in positions[-1].fields.values():
                positions[-1].page_last = ln.page
            continue
        current = None
        if not positions and header:
            title_lines.append(ln)
    if not positions:
        raise ParseError(f"no IKI position block ('Jabatan :') found on {len(pages)} pages")
    return _assemble(header, title_lines, positions, warnings)


def _continues(fld: Field, ln: Line) -> bool:
    prev = fld.lines[-1] if fld.lines else None
    if fld.value_x is not None and ln.x0 < fld.value_x - 3:
        return False
    if prev is not None and prev.page == ln.page and ln.top - prev.bottom > 2.2 * ln.size:
        return False
    return fld.key in ("tugas", "fungsi") or ln.bold == fld.bold


def _assemble(header: dict[str, Field], title_lines: list[Line], positions: list[PositionBlock],
              warnings: list[dict]) -> dict:
    def value(key: str) -> str:
        f = header.get(key)
        return join_lines([ln.text for ln in f.lines]) if f else ""

    texts = [ln.text for ln in title_lines]
    cut = next((k for k, t in enumerate(texts) if k > 0 and AGENCY.match(t.upper())), len(texts) - 1 if len(texts) > 1 else len(texts))
    decree = {"lampiran_of": value("lampiran"), "nomor": value("nomor"), "tanggal": value("tanggal"),
              "title": join_lines(texts[:cut]), "agency": join_lines(texts[cut:])}
    out_positions = []
    for no, pos in enumerate(positions, 1):
        jab = pos.fields.get("jabatan")
        tugas_numbered, tugas = split_items(pos.fields["tugas"].lines) if "tugas" in pos.fields else (False, [])
        fungsi_numbered, fungsi = split_items(pos.fields["fungsi"].lines) if "fungsi" in pos.fields else (False, [])
        columns, indicators = build_indicators(pos, no, warnings)
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
        })
    return {"decree": decree, "decree_cells": {k: bbox_of(f.lines, []) for k, f in header.items()},
            "positions": out_positions, "warnings": warnings}


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


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
        from . import ocr  # noqa: PLC0415 - only scans need it
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
    return {"parser_version": PARSER_VERSION, "source_file": path.name, "sha256": digest,
            "decree_id": digest[:16], "n_pages": len(pages), "source_kind": "ocr" if scanned else "text",
            **result}
