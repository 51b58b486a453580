"""The items a report lists — the run's warnings, review rows, failures and validation findings —
each placed on its file, page, position and indicator, with pictures of the cells it is about."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.core.result import Failure
from pipeline.core.settings import Settings
from pipeline.core.text import shorten
from pipeline.report.decrees import Decree, bare_decree, cached_record, load_decree
from pipeline.report.pictures import MARGIN, Pictures, boxes_on, region

SEVERITY = {"critical": "critical", "warnings": "warning", "not_evaluated": "not evaluated"}


@dataclass
class Item:
    """A warning, review item, failure or validation finding, with where it is and its pictures."""
    kind: str  # warning | review | failure | validation
    severity: str
    title: str
    file: str | None = None
    page: int | None = None
    position_no: int | None = None
    indicator_no: int | None = None
    details: list[tuple[str, str]] = field(default_factory=list)
    pictures: list[dict] = field(default_factory=list)
    note: str = ""  # why there is no picture, or where the details are
    link: str = ""  # anchor of the related row in the decrees section

    @property
    def located(self) -> bool:
        return bool(self.file and self.page)

    @property
    def where(self) -> list[str]:
        """File, page, position and indicator, as far as they are known."""
        return [x for x in (self.file, f"hal. {self.page}" if self.page else None,
                            f"jabatan {self.position_no}" if self.position_no else None,
                            f"indikator {self.indicator_no}" if self.indicator_no else None) if x]


def row_anchor(decree_id: str, position_no, indicator_no=None) -> str:
    """The id of a position (or of one indicator's row) in the decrees section."""
    return f"d{decree_id}-p{position_no}" + (f"-i{indicator_no}" if indicator_no else "")


class Locator:
    """Finds an item's page in the decrees read and draws it. `decrees` holds every file the
    report can draw from (quarantined annexes too); rows are linked by the decree ids known now."""

    def __init__(self, decrees: dict[str, Decree], pictures: Pictures):
        self.decrees = decrees
        self.pictures = pictures
        self.ids = {name: d.record.get("decree_id", "") for name, d in decrees.items()}

    def anchor(self, it: Item) -> str:
        if it.file in self.ids and it.position_no:
            return row_anchor(self.ids[it.file], it.position_no, it.indicator_no)
        return ""

    def picture(self, item: Item, focus_of: Callable[[dict], bool] | None = None) -> None:
        """Draw the item's page: the position's cells on that page, the indicator's (or the focus
        function's) cells filled."""
        if not item.located:
            return
        dec = self.decrees.get(item.file)
        if dec is None:
            item.note = item.note or "no interim record for this file / tidak ada hasil baca berkas ini"
            return
        if dec.pdf is None:
            item.note = "raw PDF not found or changed / PDF tidak ditemukan atau berubah"
            return
        pos = dec.positions.get(item.position_no) if item.position_no else None
        inds = pos["indicators"] if pos else [i for p in dec.positions.values() for i in p["indicators"]]
        focus_inds = [i for i in inds if (focus_of(i) if focus_of else i["indicator_no"] == item.indicator_no)]
        pages = sorted({b[0] for i in focus_inds for bs in i["cells"].values() for b in bs}) or [item.page]
        for page in pages:
            boxes = [b for i in inds if i not in focus_inds for b in boxes_on(i, page)]
            focus = [b for i in focus_inds for b in boxes_on(i, page)]
            area = None
            if focus:  # the focused row with a little of its neighbours, across the table's width
                area = region(inds, [b for _, b in focus], 3 * MARGIN, 3 * MARGIN)
            elif boxes:
                area = region(inds, [b for _, b in boxes], 3 * MARGIN, MARGIN)
            pic = self.pictures.draw(dec, page, boxes, focus, area,
                                     label=f"{item.file} hal. {page}" + (f", jabatan {item.position_no}" if pos else ""))
            if pic:
                item.pictures.append(pic)
        if not item.pictures:
            item.note = "page could not be rendered / halaman tidak dapat digambar"


def review_items(rows: list[dict], loc: Locator) -> list[Item]:
    """The uncertain matches of interim/review.csv, the two texts' rows filled in the picture."""
    items = []
    for r in rows:
        kind = r.get("kind", "")
        texts = {r.get("text_a", ""), r.get("text_b", "")}
        it = Item("review", "review", f"{kind}: “{r.get('text_a', '')}” ≈ “{r.get('text_b', '')}”",
                  r.get("source_file") or None, to_int(r.get("page")), to_int(r.get("position_no")),
                  details=[("score", r.get("score", "")), ("reason", r.get("reason", "")),
                           ("jabatan", r.get("jabatan", ""))])
        column = {"indikator": "indikator", "sasaran": "sasaran"}.get(kind)
        loc.picture(it, (lambda i, c=column, t=texts: i.get(c) in t) if column else (lambda i: False))
        it.link = loc.anchor(it)
        items.append(it)
    return items


def validation_items(summary: dict, loc: Locator, published: set[str]) -> list[Item]:
    """One item per failing row of each expectation (one per expectation without rows)."""
    items = []
    for severity, sev in SEVERITY.items():
        for f in summary.get(severity, []):
            title = _failure_title(f)
            rows = f.get("rows") or []
            base = [("expectation", f.get("expectation", "")), ("meaning", f.get("meaning", ""))]
            if f.get("error"):
                base.append(("error", f["error"]))
            if not rows:
                items.append(Item("validation", sev, title, details=base + [
                    ("files", ", ".join(f.get("files") or [])), ("observed", short(f.get("observed")))],
                    note="no row to point at / tidak menunjuk baris tertentu"))
            for r in rows:
                vals = ", ".join(f"{k}={short(v)}" for k, v in (r.get("values") or {}).items())
                items.append(Item("validation", sev, title, r.get("source_file"), r.get("page"),
                                  r.get("position_no"), r.get("indicator_no"),
                                  details=base + [("jabatan", r.get("jabatan") or ""), ("values", vals)]))
            if f.get("unexpected_count") and f["unexpected_count"] > len(rows) and rows:
                items[-1].details.append(("more", f"{f['unexpected_count'] - len(rows)} more row(s) in the Data Docs"))
    for it in items:
        loc.picture(it)
        it.link = loc.anchor(it) if it.file in published else ""
    return items


def _failure_title(f: dict) -> str:
    table, column, check = f.get("table", ""), f.get("column"), f.get("check", "")
    if column and check.startswith(column + " "):
        return f"{table}.{check}"
    return f"{table}.{column} {check}" if column else f"{table} {check}"


def warning_items(warnings: list[dict], loc: Locator, findings: list[Item], reviews: list[Item]) -> list[Item]:
    """The run's warnings; a run-level one stands for the findings or review rows it summarises."""
    by_title: dict[str, list[Item]] = {}
    for it in findings:
        by_title.setdefault(it.title, []).append(it)
    items = []
    for w in warnings:
        msg = w.get("message", "")
        it = Item("warning", "warning", msg, w.get("file"), to_int(w.get("page")), to_int(w.get("position_no")))
        if it.located:
            loc.picture(it)
            it.link = loc.anchor(it)
        elif msg.startswith("validation: ") and msg[12:] in by_title:
            rows = by_title[msg[12:]]
            it.pictures = [p for r in rows for p in r.pictures]
            it.details = [("rows", "; ".join(", ".join(r.where) for r in rows))]
            it.link = next((r.link for r in rows if r.link), "")
            it.note = "details: Validasi / Validation below and in the Data Docs"
        elif msg.startswith("review: "):
            it.pictures = [p for r in reviews for p in r.pictures]
            it.note = "details: Perlu ditinjau / Review below"
        elif it.file and it.file in loc.decrees:  # a file-level warning: its first page
            it.page = 1
            loc.picture(it)
            it.page = None
            if not it.pictures:
                it.note = "file-level warning / peringatan tingkat berkas"
        else:
            it.note = "not tied to a page / tidak terkait halaman tertentu"
        items.append(it)
    return items


def failure_items(failures: list[Failure], loc: Locator, settings: Settings) -> list[Item]:
    """Failed files and withheld units; one failed on a page shows that page (bare, when the parse
    gave no cells), a withheld position its cells as they were read."""
    items = []
    for f in failures:
        it = Item("failure", "failure", f.reason, f.file, f.page, f.position_no, f.indicator_no,
                  details=[("stage", f.stage), ("cell", f.cell), ("sha256", f.sha256[:16] if f.sha256 else ""),
                           ("detail", f.detail)])
        if it.located:
            dec = loc.decrees.get(f.file)
            if dec is not None and f.position_no and f.position_no not in dec.positions:  # withheld
                read = cached_record(settings, f.file, f.sha256)
                loc.decrees[f.file] = load_decree(read, settings) if read is not None else dec
            if it.file not in loc.decrees:
                bare = bare_decree(settings, f.file, f.sha256)
                if bare is not None:
                    loc.decrees[f.file] = bare
            loc.picture(it)
        else:
            it.note = "no page to show / tidak ada halaman untuk ditampilkan"
        items.append(it)
    return items


def short(v, n: int = 120) -> str:
    """A value as at most n characters of text (JSON for anything but a string)."""
    return shorten(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str), n)


def to_int(v) -> int | None:
    """A CSV or JSON field as an int ("3", "3.0", 3), None when it is empty or not a number."""
    try:
        return int(float(v))
    except (TypeError, ValueError):
        return None
