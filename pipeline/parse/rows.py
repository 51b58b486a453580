"""Table rows: a grid's cells by column role, rows stitched across page breaks, stacked items
split and the other columns' lines distributed onto them."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline.core.text import collapse, join_lines
from pipeline.parse.geometry import Cell, Grid, Line, group_lines
from pipeline.parse.labels import ITEM_LABEL, label_style

VALUE_ROLES = ("formulasi", "sumber_data", "penanggung_jawab")
SHARED_ROLES = ("sumber_data", "penanggung_jawab", "target")  # printed once for stacked items
RULE_TEXT = re.compile(r"^[_\-–—=.]{3,}$")
_RULE_CHARS = frozenset("_-–—=.")
MULTIPLIER = re.compile(r"[xX×*]\s*100\s*%?")
COLUMN_NUMBER = re.compile(r"\(?\d{1,2}\)?")


# Column roles by header wording, tried in order on the upper-cased header with punctuation as
# spaces: the wordings of many agencies (NO / No. / Kode Sasaran; SASARAN, SASARAN STRATEGIS,
# Sasaran Kinerja Program, KINERJA, SASARAN/KINERJA UTAMA; INDIKATOR ...; PENJELASAN/FORMULASI
# (PENG)HITUNGAN, ALASAN/PENJELASAN, Formulasi; SUMBER DATA; (Unit) PENANGGUNG JAWAB; TARGET).
ROLE_WORDS = (
    ("no", re.compile(r"(NO|NOMOR)( URUT)?|KODE( SASARAN)?")),
    ("extra", re.compile(r"KODE .*")),  # "Kode Indikator": a column of its own, not the indicator
    ("indikator", re.compile(r".*\bINDIKATOR\b.*")),
    ("sasaran", re.compile(r".*\bSASARAN\b.*|KINERJA( UTAMA)?")),
    ("formulasi", re.compile(r".*\b(FORMULA\w*|PERHITUNGAN|PENGHITUNGAN|RUMUS|PENJELASAN|ALASAN|DEFINISI)\b.*")),
    ("sumber_data", re.compile(r".*\bSUMBER\b.*")),
    ("penanggung_jawab", re.compile(r".*\b(PENANGGUNG ?JAWAB|PENANGGUNGJAWAB|PJ)\b.*")),
    ("target", re.compile(r".*\bTARGET\b.*")),
)
CORE_ROLES = ("sasaran", "indikator", "formulasi", "sumber_data", "penanggung_jawab")


@lru_cache(maxsize=1024)
def role_of(header: str) -> str | None:
    """The column's role from its header text in any case (None: an extra column); cached, as
    every grid's first row is tried as a header and a decree repeats its few headers."""
    t = collapse(re.sub(r"[^A-Z0-9 ]", " ", header.upper()))
    t = re.sub(r"\bPENANGGUNG JAWAB\b", "PENANGGUNG JAWAB", t)
    for role, rx in ROLE_WORDS:
        if rx.fullmatch(t):
            return None if role == "extra" else role
    return None


def cell_lines(cell: Cell | None, page: int) -> list[Line]:
    """The cell's lines (not to be changed), grouped once per cell: the header row is read again
    as a table row."""
    if cell is None:
        return []
    if cell.lines is None:
        cell.lines = group_lines(cell.words, page)
    return cell.lines


def header_texts(grid: Grid, row: int) -> list[str] | None:
    """The row's cell texts when it reads as the IKI table header: short cells, in any case, that
    name an INDIKATOR column and at least two more distinct roles."""
    texts = []
    for i in range(len(grid.xs) - 1):
        c = grid.cell(row, i)
        texts.append(join_lines([ln.text for ln in cell_lines(c, grid.page)]) if c else "")
    roles = [role_of(t) for t in texts if t and len(t.split()) <= 6]
    core = [r for r in roles if r in CORE_ROLES]
    return texts if "indikator" in core and len(set(core)) >= 3 and len(core) == len(set(core)) else None


@dataclass(slots=True)
class Part:
    """Lines of one column of one logical row, with the rules drawn among them."""
    lines: list[Line] = field(default_factory=list)
    rules: list[tuple[int, float, float, float]] = field(default_factory=list)  # (page, y, x0, x1)
    boxes: list[tuple[int, float, float, float, float]] = field(default_factory=list)

    def add(self, cell: Cell, page: int) -> None:
        own = self.lines
        for ln in cell_lines(cell, page):
            first = ln.words[0].text
            if first and first[0] not in _RULE_CHARS:
                # every prefix of the line starts with its first word's first character: not a
                # rule character, no prefix is a rule (most lines; the search below costs the
                # square of the words)
                own.append(ln)
                continue
            k = next((k for k in range(len(ln.words), 0, -1) if RULE_TEXT.match("".join(
                w.text for w in ln.words[:k]))), 0)
            if k:
                rest = ln.words[k:]
                if not rest or MULTIPLIER.fullmatch(" ".join(w.text for w in rest)):
                    # a fraction bar typed as dashes, maybe with the multiplier after it ("------  X 100%")
                    self.rules.append((page, ln.cy, ln.x0, ln.words[k - 1].x1))
                    if rest:
                        own.append(Line(rest, page))
                    continue
            own.append(ln)
        if cell.rules:
            self.rules += [(page, *r) for r in cell.rules]
        self.boxes.append((page, cell.x0, cell.top, cell.x1, cell.bottom))

    @property
    def text(self) -> str:
        return join_lines([ln.text for ln in self.lines])


@dataclass(slots=True)
class Row:
    page: int
    parts: dict[str, Part]
    covered: set[str]  # columns merged from the row above
    new_page: bool = False  # first row of a table fragment on a later page
    sasaran_index: int = -1

    def part(self, key: str) -> Part:
        """The row's part of a column; an empty one where the table prints no such column."""
        got = self.parts.get(key)
        return Part() if got is None else got


def grid_rows(grid: Grid, start: int, columns: list[str]) -> list[Row]:
    rows = []
    for j in range(start, grid.n_rows):
        parts, covered = {}, set()
        for i, key in enumerate(columns):
            c = grid.cell(j, i)
            part = Part([], [], [])  # (the default factories, called out: one Part per cell)
            if c is None:
                covered.add(key)
            else:
                part.add(c, grid.page)
            parts[key] = part
        rows.append(Row(grid.page, parts, covered))
    return rows


def column_numbers(row: Row) -> bool:
    """The row of column numbers "1 2 3 ..." (or "(1) (2) ...") some tables print under the header."""
    numbers = []
    for part in row.parts.values():
        t = part.text
        if t:
            if not COLUMN_NUMBER.fullmatch(t):  # any other text: a row of the table (most rows end here)
                return False
            numbers.append(int(t.strip("()")))
    return len(numbers) >= 3 and numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def is_tail(row: Row, prev: Row) -> bool:
    """Is the first row on a continuation page the rest of a row broken by the page break?
    New rows are filled and top-aligned in every column; a broken row's rest is not."""
    if row.part("no").text:
        return False
    ind = row.part("indikator")
    if not ind.lines or ind.text[0].islower():
        return True
    prev_ind = prev.part("indikator")
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


def blank_before(lines: list[Line], k: int) -> bool:
    """Is there blank space (more than most of a line) between line k and the line before it?"""
    a, b = lines[k - 1], lines[k]
    return a.page == b.page and b.top - a.bottom > 0.9 * b.size


def split_stacked(part: Part) -> list[tuple[str, list[str], tuple[int, float], list[Line]]]:
    """INDIKATOR cell -> [(label, texts without the label, anchor, lines)] per stacked indicator:
    items start at a label of the first item's style and indent, or after blank space."""
    lines = part.lines
    if not lines:
        return [("", [], (0, 0.0), [])]
    first = ITEM_LABEL.match(lines[0].text)
    starts, labels = [0], [first]  # the items' first lines and their labels' matches
    if first:
        style = label_style(first.group(1))
        for k in range(1, len(lines)):
            ln = lines[k]
            m = ITEM_LABEL.match(ln.text)
            if m and label_style(m.group(1)) == style and abs(ln.x0 - lines[0].x0) <= 3:
                starts.append(k)
                labels.append(m)
    else:
        starts += [k for k in range(1, len(lines)) if blank_before(lines, k)]
    items = []
    for n, s in enumerate(starts):
        item_lines = lines[s: starts[n + 1] if n + 1 < len(starts) else len(lines)]
        chunk = [ln.text for ln in item_lines]
        label = ""
        if first:
            m = labels[n]
            label, chunk[0] = m.group(1), chunk[0][m.end():]
        items.append((label, chunk, lines[s].key, item_lines))
    return items


def distribute(part: Part, anchors: list[tuple[int, float]], tol: float) -> list[Part]:
    """Assign a column's lines and rules to the stacked item whose top they follow."""
    if len(anchors) == 1:  # most rows: one item takes all (the parts are read, never changed)
        return [part]
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
