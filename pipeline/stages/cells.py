"""Empty in the PDF, or misread: an indicator cell the parse left empty is looked up on its page.

A cell whose box holds no text, on pages that do have text, or a column the position's table does
not print, is the decree's own gap: the row is published with the flag `<column>_empty_in_pdf` and
validation only warns. A cell whose box holds
text the parser did not place, a cell without a box, or one whose rows cross a page without any
text (lost or damaged) gets no flag, so validation withholds its position. Only decrees with an
empty cell are read again, and only the pages of those cells."""
from __future__ import annotations

from pathlib import Path

from pipeline.core.model import PageContent
from pipeline.parse.rows import RULE_TEXT, role_of
from pipeline.readers import open_pages

REQUIRED = ("sasaran", "indikator", "formulasi", "sumber_data", "penanggung_jawab")
EMPTY_IN_PDF = "{}_empty_in_pdf"
# (position_no, indicator_no, column) -> (page, why it counts as misread; "" when empty in the PDF)
Empty = dict[tuple[int, int, str], tuple[int | None, str]]


def check_empty_cells(rec: dict, pdf: Path, reader: str) -> Empty:
    """Give every position and indicator of the record its `flags` (the empty-in-PDF ones); return
    every empty cell of a printed column, with why it counts as misread ("" when it does not)."""
    empty = []
    for pos in rec["positions"]:
        pos["flags"] = []
        printed = {role_of(h) for h in pos["columns"]}
        for ind in pos["indicators"]:
            # a column the table does not print is the agency's layout (the parse's notice says which)
            ind["flags"] = [EMPTY_IN_PDF.format(col) for col in REQUIRED if col not in printed]
            empty += [(pos["position_no"], ind, col) for col in REQUIRED
                      if col in printed and not (ind.get(col) or "").strip()]
    if not empty:
        return {}
    wanted = {p for _, ind, col in empty for p in _span(ind["cells"].get(col) or [])}
    pages = _pages(pdf, reader, rec["source_kind"], wanted) if wanted else {}
    out: Empty = {}
    for position_no, ind, col in empty:
        boxes = ind["cells"].get(col) or []
        why = _misread(boxes, pages)
        out[(position_no, ind["indicator_no"], col)] = (boxes[0][0] if boxes else ind.get("page"), why)
        if not why:
            ind["flags"] = sorted([*ind["flags"], EMPTY_IN_PDF.format(col)])
    return out


def _span(boxes: list) -> range:
    """The pages a cell's boxes run over, with any pages between them."""
    return range(min(b[0] for b in boxes), max(b[0] for b in boxes) + 1) if boxes else range(0)


def _misread(boxes: list, pages: dict[int, PageContent]) -> str:
    """'' when the cell's boxes hold no text on pages that have text; otherwise why not."""
    if not boxes:
        return "no cell box was read for it (no such column or row)"
    for n in _span(boxes):
        if n not in pages or not pages[n].words:
            return f"its rows run over page {n}, which has no readable text"
    for page, x0, top, x1, bottom in boxes:
        found = [w.text for w in pages[page].words if x0 <= w.cx <= x1 and top <= w.cy <= bottom
                 and not RULE_TEXT.match(w.text)]
        if found:
            return f"its box on page {page} holds text the parser did not place: {' '.join(found)[:120]!r}"
    return ""


def _pages(pdf: Path, reader: str, kind: str, wanted: set[int]) -> dict[int, PageContent]:
    """The wanted pages as the parse read them (scanned ones by OCR); a file that cannot be read
    again gives no pages, so its empty cells count as misread."""
    pages: dict[int, PageContent] = {}
    try:
        for pg in open_pages(pdf, 0, reader):
            if pg.number in wanted:
                pages[pg.number] = pg
            if pg.number >= max(wanted):
                break
        scanned = [n for n, pg in pages.items() if not pg.words and pg.n_images]
        if kind == "ocr" and scanned:
            from pipeline.readers import ocr  # noqa: PLC0415 - only scans need it
            pages.update({pg.number: pg for pg in ocr.read_pdf(pdf, pages=scanned)})
    except Exception:  # noqa: BLE001 - damaged beyond what the parse needed: nothing is trusted empty
        return {}
    return pages
