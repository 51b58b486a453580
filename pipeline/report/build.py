"""The visual extraction report: reports/index.html, one self-contained page a data officer opens
from the file system (relative links, inline CSS, no script, no server).

It shows, per decree, the header fields and counts and, per position, the table as it was read;
then every warning, review item, failure and validation finding with a picture of the page region
where it sits (items.py, pictures.py), in the page the templates lay out (html.py)."""
from __future__ import annotations

import csv
import json
import os
from pathlib import Path

from pipeline.core.files import atomic_write
from pipeline.core.result import RunResult
from pipeline.core.settings import Settings
from pipeline.report.decrees import Decree, cached_record, load_decree
from pipeline.report.html import render_page
from pipeline.report.items import (
    Item,
    Locator,
    failure_items,
    review_items,
    validation_items,
    warning_items,
)
from pipeline.report.pictures import (
    EVERY_POSITION_UP_TO,
    IMG_DIR,
    Pictures,
    every_position,
    position_pictures,
    settle,
)


def write_html_report(result: RunResult, settings: Settings) -> Path:
    """Write reports/index.html (and its pictures in reports/img/) for a finished run; returns the
    page's path. Reads the run's interim/review.csv and reports/validation/summary.json."""
    reports = Path(settings.reports)
    img_dir = reports / IMG_DIR
    img_dir.mkdir(parents=True, exist_ok=True)
    pictures = Pictures(img_dir)
    contents = _contents(result, settings, reports, pictures)
    settle()  # the pictures a Drawer is drawing in the background (this process helps) are there first
    pictures.render(settings.n_workers)  # after every picture is named: the missing ones drawn in one go
    out = reports / "index.html"
    atomic_write(out, render_page(contents, pictures.sizes))
    pictures.prune()
    return out


def _contents(result: RunResult, settings: Settings, reports: Path, pictures: Pictures) -> dict:
    """What the page shows, every picture it needs named in `pictures`."""
    published = {r["source_file"]: load_decree(r, settings)
                 for r in sorted(result.records, key=lambda r: r["source_file"])}
    decrees = dict(published)
    for f in result.failures:  # quarantined annexes: their reading is in the parse cache
        if f.file not in decrees and f.stage == "validate":
            rec = cached_record(settings, f.file, f.sha256)
            if rec is not None:
                decrees[f.file] = load_decree(rec, settings)
    links = {name: _rel(d.pdf, reports) for name, d in decrees.items() if d.pdf is not None}
    loc = Locator(decrees, pictures)
    summary = _read_json(reports / "validation" / "summary.json")
    reviews = review_items(_read_review(settings.interim / "review.csv"), loc)
    findings = validation_items(summary, loc, set(published))
    warnings = warning_items(result.warnings, loc, findings, reviews)
    failures = failure_items(result.failures, loc, settings)  # may add bare pages to loc.decrees

    flagged = {(it.file, it.position_no, it.indicator_no) for it in [*findings, *warnings]
               if it.position_no and it.indicator_no}
    flagged_pos = {(it.file, it.position_no) for it in [*findings, *warnings, *reviews] if it.position_no}
    every = every_position(len(decrees))
    val_doc = reports / "validation" / "index.html"
    has_docs = val_doc.exists() or bool(summary.get("docs_index"))  # the validator may still be writing them
    review_csv = settings.interim / "review.csv"
    return {
        "result": result, "summary": summary, "links": links, "flagged": flagged,
        "warnings": warnings, "reviews": reviews, "failures": failures, "findings": findings,
        "validation_docs": _rel(val_doc, reports) if has_docs else "",
        "review_csv": _rel(review_csv, reports) if review_csv.exists() else "",
        "decrees": [_decree_view(dec, result, reviews, pictures, links.get(name, ""),
                                 {no for file, no in flagged_pos if file == name}, every)
                    for name, dec in published.items()],
        "every_position": every, "every_position_up_to": EVERY_POSITION_UP_TO,
    }


def _decree_view(dec: Decree, result: RunResult, reviews: list[Item], pictures: Pictures, link: str,
                 flagged_positions: set[int], every: bool) -> dict:
    """A decree's header fields, counts and position pictures (positions with an item open are
    shown open; in a large run only they are pictured, see pictures.every_position)."""
    rec, name = dec.record, dec.name
    d = rec.get("decree", {})
    positions = rec.get("positions", [])
    fields = [("Lampiran dari", "annex of", d.get("lampiran_of")), ("Nomor", "number", d.get("nomor")),
              ("Tanggal", "date", d.get("tanggal")), ("Judul", "title", d.get("title")),
              ("Perangkat daerah", "agency", d.get("agency")), ("decree_id", "", rec.get("decree_id"))]
    same = ", ".join(rec.get("source_files", [])[1:])
    if same:
        fields.append(("Berkas lain dengan isi sama", "same bytes as", same))
    counts = (f"{rec.get('n_pages', '?')} halaman / pages", f"{len(positions)} jabatan / positions",
              f"{sum(len({i['sasaran_no'] for i in p['indicators']}) for p in positions)} sasaran",
              f"{sum(len(p['indicators']) for p in positions)} indikator / indicators",
              f"{sum(1 for w in result.warnings if w.get('file') == name)} peringatan / warnings",
              f"{sum(1 for r in reviews if r.file == name)} perlu ditinjau / to review")
    return {"decree": dec, "link": link, "fields": fields, "counts": counts,
            "pictures": position_pictures(dec, pictures, None if every else flagged_positions),
            "flagged_positions": flagged_positions}


def _rel(target: Path, base: Path) -> str:
    return Path(os.path.relpath(Path(target).resolve(), Path(base).resolve())).as_posix()


def _read_review(path: Path) -> list[dict]:
    try:
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    except OSError:
        return []


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
