"""Labels of the decree's flow text: 'Label : value' fields and numbered or lettered list items."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.core.text import collapse, join_lines
from pipeline.parse.geometry import Grid, Line

FIELD_LABELS = {
    "lampiran": re.compile(r"LAMPIRAN(\s+[IVX\d]+)?"),
    "nomor": re.compile(r"NOMOR|NO\.?"),
    "tanggal": re.compile(r"TANGGAL|TGL\.?"),
    "jabatan": re.compile(r"(NAMA\s+)?JABATAN"),
    "tugas": re.compile(r"(URAIAN\s+)?TUGAS(\s+POKOK)?|IKHTISAR\s+JABATAN"),
    "fungsi": re.compile(r"FUNGSI"),
    "instansi": re.compile(r"INSTANSI|(NAMA\s+)?UNIT\s+(ORGANISASI|KERJA)|PERANGKAT\s+DAERAH"),
}
LABEL_NUMBER = re.compile(r"^(\(?\d{1,2}[.)]|[a-zA-Z][.)]|[IVX]{1,4}\.)\s*")
LIST_LABEL = re.compile(r"^(\(?\d{1,2}[.)]|\(?[a-z][.)]|•)(?=\s|[A-Z(\"'])")
LABEL_WORD = re.compile(r"\w+")
LETTER_LABEL = re.compile(r"(\(?)([a-y])([.)])")
ITEM_LABEL = re.compile(r"^(\(?\d{1,2}[.)]|\(?[a-z][.)])(?=\s|[A-Z(\"'])")


def split_label(line: Line) -> tuple[str, str, list] | None:
    """(field key, label as printed, value words) for a 'Label : value' line."""
    if ":" not in line.text:  # most lines
        return None
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
        labels = []
        for ln in lines:
            lm = LIST_LABEL.match(ln.text)
            if lm and abs(ln.x0 - num_x) <= 3:
                items.append([ln.text[lm.end():]])
                labels.append(lm.group(1))
            else:
                items[-1].append(ln.text)
        return True, [x for label, it in zip(labels, items) for x in _run_on(label, join_lines(it))]
    prev: Line | None = None
    for ln in lines:
        gap = ln.top - prev.bottom if prev is not None and prev.page == ln.page else 0
        if prev is None or gap > 1.0 * ln.size:
            items.append([])
        items[-1].append(ln.text)
        prev = ln
    return False, [join_lines(it) for it in items]


def _next_letter(label: str) -> str | None:
    """The label after "a." ("b."), "(c)" ("(d)"); None for numbers and bullets."""
    m = LETTER_LABEL.fullmatch(label)
    return m.group(1) + chr(ord(m.group(2)) + 1) + m.group(3) if m else None


def _run_on(label: str, text: str) -> list[str]:
    """A lettered item and the items printed after it on the same lines ("a. ...; b. ..."): split
    where the next letter follows a ';' or starts a capitalised item (numbers are left alone:
    "Pasal 2. Ayat" is no item)."""
    out = []
    while (nxt := _next_letter(label)) is not None:
        m = re.search(rf"(?<=[;,])\s{re.escape(nxt)}\s+|\s{re.escape(nxt)}\s+(?=[A-Z])", text)
        if not m:
            break
        out.append(text[:m.start()])
        text, label = text[m.end():], nxt
    return out + [text]


# --- table rows ------------------------------------------------------------------------------


def label_style(label: str) -> str:
    """The label's punctuation, its number or letter as 0: "1)" and "b)" are of one style, "1." another."""
    return LABEL_WORD.sub("0", label)


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
    after: list[Line] = field(default_factory=list)  # flow lines after its table (a signature block)
    page_first: int = 0
    page_last: int = 0
