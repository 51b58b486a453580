"""A position's table fragments -> logical rows -> one record per indicator, with cell boxes."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate

from pipeline.core.model import Word
from pipeline.core.text import join_lines
from pipeline.parse.fractions import fraction, split_note
from pipeline.parse.geometry import Line, bbox_of
from pipeline.parse.labels import PositionBlock
from pipeline.parse.rows import (
    SHARED_ROLES,
    Part,
    Row,
    blank_before,
    column_numbers,
    grid_rows,
    header_texts,
    is_tail,
    merge_into,
    role_of,
    split_stacked,
)
from pipeline.parse.stacking import entries
from pipeline.readers.ocr import confidence


@dataclass
class Sasaran:
    label: str
    lines: list[Line]


def table_rows(pos: PositionBlock, position_no: int, warnings: list[dict]) -> tuple[list[str], list[Row]]:
    """A position's table fragments stitched into logical rows, with the header as printed."""
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
        for k, row in enumerate(r for r in grid_rows(grid, start, columns) if not column_numbers(r)):
            if k == 0 and new_page and rows and is_tail(row, rows[-1]):
                merge_into(rows[-1], row)
            else:
                row.new_page = k == 0 and new_page
                rows.append(row)
        last_page = grid.page
    return headers, rows if columns is not None else []


def single_entries(rows: list[Row]) -> dict[str, set[str]]:
    """Texts of the cells of rows with one indicator, by column: the decree's own phrases, which
    tell where entries stacked as mere line breaks end."""
    known: dict[str, set[str]] = {}
    for row in rows:
        if len(split_stacked(row.part("indikator"))) == 1:
            for key, part in row.parts.items():
                known.setdefault(key, set()).add(part.text)
    return known


def build_indicators(rows: list[Row], known: Callable[[], dict[str, set[str]]], ocr: bool) -> list[dict]:
    """A position's logical rows -> one record per indicator, stacked items split. `known` gives
    the decree's own phrases (`single_entries`), asked only for items set as mere line breaks:
    most decrees have none and never gather them. `ocr`: the decree has OCR words (otherwise no
    record has an OCR confidence)."""
    numbers = [row.part("no").text for row in rows]
    uses_numbers = any(numbers)
    sasaran: list[Sasaran] = []
    records: list[dict] = []
    for row, no in zip(rows, numbers):
        sas = row.part("sasaran")
        sas_text = sas.text
        if {"no", "sasaran"} <= row.covered or (not no and not sas_text and sasaran):
            pass
        elif no or not sasaran:
            sasaran.append(Sasaran(no, list(sas.lines)))
        elif row.new_page and (uses_numbers or sas_text[:1].islower()):
            sasaran[-1].lines += sas.lines
        else:
            sasaran.append(Sasaran("", list(sas.lines)))
        row.sasaran_index = len(sasaran) - 1
        ind = row.part("indikator")
        items = split_stacked(ind)
        if len(items) == 1:  # most rows: one indicator, each column its one entry (as `entries` gives)
            split = {key: [part] for key, part in row.parts.items() if key not in ("no", "sasaran", "indikator")}
        else:
            split = _stacked_entries(row, ind, items, known)
        for n, (label, texts, _, item_lines) in enumerate(items):
            rec = {"row_parts": split, "n": n, "label": label, "texts": texts, "lines": item_lines, "row": row}
            records.append(rec)
    return _finish(records, sasaran, ocr)


def _stacked_entries(row: Row, ind: Part, items: list, known: Callable[[], dict[str, set[str]]]) -> dict[str, list[Part]]:
    """Each other column's entries for a row's stacked items, by column; a shared column printed
    once stands for every item."""
    anchors = [item[2] for item in items]
    tol = 0.5 * (ind.lines[0].size if ind.lines else 8)
    starts = list(accumulate(len(item[3]) for item in items[:-1]))  # the later items' first lines
    breaks = bool(starts) and not any(blank_before(ind.lines, k) for k in starts)
    phrases = known() if breaks else {}  # only items set as line breaks weigh them
    split = {key: entries(part, anchors, tol, breaks, key in SHARED_ROLES, phrases.get(key, set()))
             for key, part in row.parts.items() if key not in ("no", "sasaran", "indikator")}
    for key in SHARED_ROLES + tuple(k for k in split if k.startswith("extra:")):
        if key in split and all(not p.lines for p in split[key][1:]):
            split[key] = [split[key][0]] * len(items)
    return split


def _finish(records: list[dict], sasaran: list[Sasaran], ocr: bool) -> list[dict]:
    out = []
    sas_out: dict[int, tuple[int, str, list]] = {}  # sasaran index -> number, text, box: once each
    for ino, rec in enumerate(records, 1):
        row: Row = rec["row"]
        n = rec["n"]
        si = row.sasaran_index
        s = sasaran[si]
        if si not in sas_out:
            sas_out[si] = (len(sas_out) + 1, join_lines([ln.text for ln in s.lines]), bbox_of(s.lines, []))
        sas_no, sas_text, sas_box = sas_out[si]
        parts = {k: v[n] for k, v in rec["row_parts"].items()}
        formula_part, catatan = split_note(parts.get("formulasi", Part()))
        formulasi, pembilang, penyebut = fraction(formula_part)
        extra = {k[6:]: p.text for k, p in parts.items() if k.startswith("extra:")}
        ind_part = row.part("indikator")
        cells = {"sasaran": [list(b) for b in sas_box], "indikator": bbox_of(rec["lines"], ind_part.boxes)}
        for k, p in parts.items():
            cells[k] = bbox_of(p.lines, p.boxes)
        out.append({
            "indicator_no": ino,
            "sasaran_no": sas_no,
            "sasaran_label": s.label,
            "sasaran": sas_text,
            "indikator_label": rec["label"],
            "indikator": join_lines(rec["texts"]),
            "formulasi": f"{formulasi} {catatan}" if catatan else formulasi,
            "catatan": catatan,
            "pembilang": pembilang,
            "penyebut": penyebut,
            "sumber_data": parts["sumber_data"].text if "sumber_data" in parts else "",
            "penanggung_jawab": parts["penanggung_jawab"].text if "penanggung_jawab" in parts else "",
            "target": parts["target"].text if "target" in parts else None,
            "extra": extra,
            "page": row.page,
            "ocr_confidence": confidence(_words([s.lines, rec["lines"], *(p.lines for p in parts.values())]))
            if ocr else None,
            "cells": cells,
        })
    return out


def _words(line_lists: list[list[Line]]) -> list[Word]:
    """The words of the lines of every list, in order."""
    return [w for lines in line_lists for ln in lines for w in ln.words]
