"""The visual extraction report: reports/index.html, one self-contained page a data officer opens
from the file system (relative links, inline CSS, no script, no server).

It shows, per decree, the header fields and counts and, per position, the table as it was read;
then every warning, review item, failure and validation finding with a picture of the page region
where it sits, the cells the parser detected drawn on it (from the interim `cells` provenance).
Pictures are rendered with pypdfium2 at about 1x, only for the pages that need them, and saved
under reports/img/ with names derived from what they show, so a rerun on the same input writes
the same bytes (and skips pictures that already exist)."""
from __future__ import annotations

import csv
import hashlib
import json
import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from pipeline.core.files import sha256_file
from pipeline.core.result import RunResult
from pipeline.core.settings import Settings
from pipeline.parse.cache import code_version, payload_path, read_payload

RENDER_VERSION = "5"  # part of every picture's name: bump when the drawing changes
SCALE = 1.25  # pixels per PDF point
MARGIN = 18.0  # points around the cells shown in an item's picture
IMG_DIR = "img"

# column role -> (label, outline colour); the legend in the page uses the same colours
COLUMNS = {
    "no": ("No", (120, 120, 120)),
    "sasaran": ("Sasaran", (31, 119, 180)),
    "indikator": ("Indikator", (44, 160, 44)),
    "formulasi": ("Formulasi", (255, 127, 14)),
    "sumber_data": ("Sumber data", (148, 103, 189)),
    "penanggung_jawab": ("Penanggung jawab", (214, 39, 40)),
    "target": ("Target", (23, 190, 207)),
}
EXTRA_COLOUR = (140, 86, 75)
FOCUS_FILL = (255, 221, 0, 90)
# Pages are rendered in grey; a picture with outlines only is a palette image from the start:
# the first GREYS entries are the page's greys, then one entry per outline colour (no quantising).
GREYS = 240
OUTLINES = sorted({c for _, c in COLUMNS.values()} | {EXTRA_COLOUR})
PALETTE = [v for i in range(GREYS) for v in (round(i * 255 / (GREYS - 1)),) * 3] + [v for c in OUTLINES for v in c]
GREY_INDEX = [round(g * (GREYS - 1) / 255) for g in range(256)]


# --- finding the cells behind an item -----------------------------------------------------------

@dataclass
class Decree:
    record: dict
    pdf: Path | None  # the raw PDF, when it is still there with the same bytes
    positions: dict[int, dict] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.record["source_file"]


def _decree(record: dict, settings: Settings) -> Decree:
    pdf = settings.raw / record["source_file"]
    ok = pdf.is_file() and sha256_file(pdf) == record.get("sha256")
    return Decree(record, pdf if ok else None, {p["position_no"]: p for p in record.get("positions", [])})


def _cached_record(settings: Settings, name: str, sha256: str) -> dict | None:
    """The interim record of a file that is not among the run's records (a quarantined annex)."""
    if not sha256:
        return None
    payload = read_payload(payload_path(settings.parsed_dir, sha256, code_version(settings.reader)))
    if not payload or not payload.get("ok"):
        return None
    rec = payload["result"]
    rec.setdefault("source_file", name)
    return rec


def _boxes(ind: dict, page: int) -> list[tuple[str, list[float]]]:
    return [(col, b[1:]) for col, boxes in sorted(ind.get("cells", {}).items()) for b in boxes if b[0] == page]


def _span_x(inds: list[dict]) -> tuple[float, float] | None:
    """The table's left and right edge (points) over all pages of these indicators' cells; the
    NO column has no cells of its own, so the left margin is wider."""
    xs = [b for i in inds for bs in i.get("cells", {}).values() for b in bs]
    if not xs:
        return None
    return min(b[1] for b in xs) - 2.5 * MARGIN, max(b[3] for b in xs) + 2 * MARGIN


def _region(inds: list[dict], rows: list[list[float]], above: float, below: float) -> list[float]:
    """From above the first to below the last of `rows` (boxes), across the whole table."""
    x0, x1 = _span_x(inds) or (min(b[0] for b in rows) - MARGIN, max(b[2] for b in rows) + MARGIN)
    return [x0, min(b[1] for b in rows) - above, x1, max(b[3] for b in rows) + below]


def _colour(col: str) -> tuple[int, int, int]:
    return COLUMNS.get(col, ("", EXTRA_COLOUR))[1]


# --- pictures -----------------------------------------------------------------------------------

KEEP_PAGES = 4  # rendered pages kept in memory while drawing
SPAWN_MIN = 200  # pictures left to draw that pay for starting worker processes (~0.4 s each)
SIZE_MARK = "\x00size:{}\x00"  # stands for an <img>'s width and height until the picture exists


class Pictures:
    """The pictures a report shows: page regions with the detected cells drawn on them, in
    reports/img/. `draw` only names a picture (the name is a hash of what it shows) and notes the
    job; `render` draws the new ones, spread over worker processes by PDF, and `fill` writes their
    sizes into the page."""

    def __init__(self, out: Path):
        self.out = out
        self.jobs: dict[str, tuple] = {}  # name -> (pdf, page, boxes, focus, region)
        self.sizes: dict[str, tuple[int, int] | None] = {}

    def draw(self, decree: Decree, page: int, boxes: list[tuple[str, list[float]]],
             focus: list[tuple[str, list[float]]] = (), region: list[float] | None = None,
             label: str = "") -> dict | None:
        """A picture of `region` (points; default: around the boxes, whole page without boxes) of
        one page with the boxes outlined and the focus boxes filled. None when the PDF is not
        readable here."""
        if decree.pdf is None or page < 1 or page > decree.record.get("n_pages", page):
            return None
        key = json.dumps([RENDER_VERSION, SCALE, decree.record.get("sha256"), page, boxes, list(focus), region],
                         sort_keys=True)
        name = hashlib.sha256(key.encode()).hexdigest()[:20] + ".png"
        if name not in self.jobs:
            self.jobs[name] = (decree.pdf, page, boxes, list(focus), region)
        return {"src": f"{IMG_DIR}/{name}", "name": name, "alt": label or f"{decree.name} hal. {page}"}

    def render(self, workers: int) -> None:
        """Draw the pictures that do not exist yet; earlier runs' pictures are reused."""
        todo: dict[Path, list[tuple]] = {}
        for name, (pdf, *job) in self.jobs.items():
            path = self.out / name
            if path.exists():
                self.sizes[name] = _size_of(path)
            else:
                todo.setdefault(pdf, []).append((*job, path))
        batches = list(todo.items())
        if workers > 1 and len(batches) > 1 and sum(len(jobs) for _, jobs in batches) >= SPAWN_MIN:
            # spawned, not forked: the driver has Great Expectations and its threads loaded by now
            ctx = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(min(workers, len(batches)), mp_context=ctx) as pool:
                done = pool.map(_render_batch, batches)
                for sizes in done:
                    self.sizes.update(sizes)
        else:
            for batch in batches:
                self.sizes.update(_render_batch(batch))

    def fill(self, html: str) -> str:
        """The page with every picture's size written in, and a note where a picture failed."""
        def size(m: re.Match) -> str:
            wh = self.sizes.get(m.group(1))
            return f'width="{wh[0]}" height="{wh[1]}"' if wh else 'class="missing" title="page could not be rendered"'
        return re.sub(SIZE_MARK.format(r"([0-9a-f]+\.png)"), size, html)

    def prune(self) -> None:
        """Remove pictures of earlier runs that this report no longer shows."""
        for p in self.out.glob("*.png"):
            if p.name not in self.jobs:
                p.unlink()


def _size_of(path: Path) -> tuple[int, int]:
    from PIL import Image  # noqa: PLC0415
    with Image.open(path) as im:
        return im.size


def _render_batch(batch: tuple[Path, list[tuple]]) -> dict[str, tuple[int, int] | None]:
    """Draw one PDF's pictures (in a worker process); a picture that cannot be drawn is None, a
    help missing, never a reason to fail the report."""
    import pypdfium2 as pdfium  # noqa: PLC0415 (only when a picture is needed)
    pdf, jobs = batch
    sizes: dict[str, tuple[int, int] | None] = {job[-1].name: None for job in jobs}
    try:
        doc = pdfium.PdfDocument(str(pdf))
    except Exception:  # noqa: BLE001
        return sizes
    pages: dict[int, tuple] = {}
    try:
        for page, boxes, focus, region, path in jobs:
            try:
                if page not in pages:
                    while len(pages) >= KEEP_PAGES:
                        pages.pop(next(iter(pages)))
                    pages[page] = _page_image(doc, page)
                sizes[path.name] = _draw(pages[page], boxes, focus, region, path)
            except Exception:  # noqa: BLE001
                continue
    finally:
        doc.close()
    return sizes


def _page_image(doc, page: int):
    """The rendered page as a PIL image, the crop box's offset and the page size in points."""
    pg = doc[page - 1]
    try:
        media, crop = pg.get_mediabox(), pg.get_cropbox()
        image = pg.render(scale=SCALE, grayscale=True).to_pil()  # one byte a pixel: a third of the work
        # pdfplumber's coordinates count from the media box's top-left; pdfium renders the crop box
        return image, (crop[0] - media[0], media[3] - crop[3]), pg.get_size()
    finally:
        pg.close()


def _draw(rendered, boxes, focus, region, path: Path) -> tuple[int, int]:
    from PIL import Image, ImageDraw  # noqa: PLC0415
    image, (dx, dy), (pw, ph) = rendered
    every = [b for _, b in [*boxes, *focus]]
    if region is None:
        if every:
            region = [min(b[0] for b in every) - MARGIN, min(b[1] for b in every) - MARGIN,
                      max(b[2] for b in every) + MARGIN, max(b[3] for b in every) + MARGIN]
        else:
            region = [dx, dy, dx + pw, dy + ph]
    x0, y0 = max(region[0] - dx, 0), max(region[1] - dy, 0)
    x1, y1 = min(region[2] - dx, pw), min(region[3] - dy, ph)
    out = image.crop((round(x0 * SCALE), round(y0 * SCALE), round(x1 * SCALE), round(y1 * SCALE)))

    def rect(b):
        return [(b[0] - dx - x0) * SCALE - 1, (b[1] - dy - y0) * SCALE - 1,
                (b[2] - dx - x0) * SCALE + 1, (b[3] - dy - y0) * SCALE + 1]

    if focus:  # a translucent fill needs colour and an alpha layer, then quantising
        overlay = Image.new("RGBA", out.size, (0, 0, 0, 0))
        for _, b in focus:
            ImageDraw.Draw(overlay).rectangle(rect(b), fill=FOCUS_FILL)
        out = Image.alpha_composite(out.convert("RGBA"), overlay).convert("RGB")
        pen = ImageDraw.Draw(out)
        for col, b in boxes:
            pen.rectangle(rect(b), outline=_colour(col), width=1)
        for col, b in focus:
            pen.rectangle(rect(b), outline=_colour(col), width=3)
        out = out.quantize(colors=64, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    else:  # outlines only (most pictures): the grey page as palette indices, outlines in their entries
        out = Image.frombytes("P", out.size, out.point(GREY_INDEX).tobytes())
        out.putpalette(PALETTE)
        pen = ImageDraw.Draw(out)
        for col, b in boxes:
            pen.rectangle(rect(b), outline=GREYS + OUTLINES.index(_colour(col)), width=1)
    tmp = path.with_suffix(".tmp")
    out.save(tmp, "PNG", compress_level=1)  # fast; size matters less than time here
    os.replace(tmp, path)
    return out.size


# --- locating items -----------------------------------------------------------------------------

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
    link: str = ""  # href to the related section or row

    @property
    def located(self) -> bool:
        return bool(self.file and self.page)


def _picture_for(item: Item, decrees: dict[str, Decree], pictures: Pictures,
                 focus_of=None) -> None:
    """Draw the item's page: the position's cells on that page, the indicator's (or the focus
    function's) cells filled."""
    if not item.located:
        return
    dec = decrees.get(item.file)
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
        boxes = [b for i in inds if i not in focus_inds for b in _boxes(i, page)]
        focus = [b for i in focus_inds for b in _boxes(i, page)]
        region = None
        if focus:  # the focused row with a little of its neighbours, across the table's width
            region = _region(inds, [b for _, b in focus], 3 * MARGIN, 3 * MARGIN)
        elif boxes:
            region = _region(inds, [b for _, b in boxes], 3 * MARGIN, MARGIN)
        pic = pictures.draw(dec, page, boxes, focus, region,
                            label=f"{item.file} hal. {page}" + (f", jabatan {item.position_no}" if pos else ""))
        if pic:
            item.pictures.append(pic)
    if not item.pictures:
        item.note = "page could not be rendered / halaman tidak dapat digambar"


def _row_anchor(decree_id: str, position_no, indicator_no=None) -> str:
    return f"d{decree_id}-p{position_no}" + (f"-i{indicator_no}" if indicator_no else "")


def _validation_items(summary: dict) -> list[Item]:
    items = []
    for severity in ("critical", "warnings", "not_evaluated"):
        for f in summary.get(severity, []):
            title = _failure_title(f)
            sev = {"critical": "critical", "warnings": "warning", "not_evaluated": "not evaluated"}[severity]
            rows = f.get("rows") or []
            base = [("expectation", f.get("expectation", "")), ("meaning", f.get("meaning", ""))]
            if f.get("error"):
                base.append(("error", f["error"]))
            if not rows:
                items.append(Item("validation", sev, title, details=base + [
                    ("files", ", ".join(f.get("files") or [])), ("observed", _short(f.get("observed")))],
                    note="no row to point at / tidak menunjuk baris tertentu"))
            for r in rows:
                vals = ", ".join(f"{k}={_short(v)}" for k, v in (r.get("values") or {}).items())
                items.append(Item("validation", sev, title, r.get("source_file"), r.get("page"),
                                  r.get("position_no"), r.get("indicator_no"),
                                  details=base + [("jabatan", r.get("jabatan") or ""), ("values", vals)]))
            if f.get("unexpected_count") and f["unexpected_count"] > len(rows) and rows:
                items[-1].details.append(("more", f"{f['unexpected_count'] - len(rows)} more row(s) in the Data Docs"))
    return items


def _failure_title(f: dict) -> str:
    table, column, check = f.get("table", ""), f.get("column"), f.get("check", "")
    if column and check.startswith(column + " "):
        return f"{table}.{check}"
    return f"{table}.{column} {check}" if column else f"{table} {check}"


def _short(v, n: int = 120) -> str:
    s = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)
    return s if len(s) <= n else s[: n - 3] + "..."


def _int(v) -> int | None:
    try:
        return int(float(v))
    except (TypeError, ValueError):
        return None


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


# --- HTML ---------------------------------------------------------------------------------------

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
header{background:#1f3b5a;color:#fff;padding:16px 24px}header h1{margin:0 0 4px;font-size:22px}
header a{color:#cfe3ff}main{padding:8px 24px 40px;max-width:1500px}
section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:12px 18px;margin:16px 0}
h2{font-size:18px;margin:6px 0 10px}h3{font-size:16px;margin:14px 0 6px}h4{margin:10px 0 4px}
.en{color:#66707d;font-weight:normal;font-size:.9em}
nav a{margin-right:14px}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border:1px solid #d5d9e0;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#eef1f5;font-weight:600}td.num{text-align:right;white-space:nowrap}
table.kv{width:auto}table.kv th{white-space:nowrap}
.counts span{display:inline-block;background:#eef1f5;border-radius:4px;padding:2px 8px;margin:2px 6px 2px 0}
.item{border-left:5px solid #999;padding:6px 10px;margin:10px 0;background:#fafbfc}
.item.warning{border-color:#e0a800}.item.critical,.item.failure{border-color:#c62828}.item.review{border-color:#1f77b4}
.item.note{border-color:#9aa4b1}
.where{color:#4a5360;font-size:.92em}.msg{font-weight:600}
.sev{display:inline-block;font-size:.8em;text-transform:uppercase;border-radius:3px;padding:0 5px;margin-right:6px;color:#fff;background:#777}
.sev.warning{background:#b78600}.sev.critical,.sev.failure{background:#c62828}.sev.review{background:#1f77b4}
figure{margin:6px 0;display:inline-block;max-width:100%}figure img{max-width:100%;height:auto;border:1px solid #c9ced6;background:#fff}
figcaption{font-size:.85em;color:#5b6470}
td.empty{background:#fde7e7}tr.flag td{background:#fff6d6}
.frac{display:inline-flex;flex-direction:column;text-align:center;vertical-align:middle;margin:2px 0}
.frac .num{border-bottom:1px solid #333;padding:0 4px}.frac .den{padding:0 4px}
details{margin:6px 0;border:1px solid #e3e6eb;border-radius:4px;padding:4px 10px;background:#fff}
details[open]{background:#fcfcfd}summary{cursor:pointer;font-weight:600}
.legend span{display:inline-block;margin-right:12px}.legend i{display:inline-block;width:14px;height:10px;border:2px solid;margin-right:4px;vertical-align:middle}
.ok{color:#2e7d32;font-weight:600}header .ok{color:#9be7a0}header .bad{color:#ffb4b4}.bad{color:#c62828;font-weight:600}
ul.plain{margin:4px 0;padding-left:20px}
"""


LAZY, EMPTY, FLAG = ' loading="lazy"', ' class="empty"', ' class="flag"'


def _h(v) -> str:
    return escape("" if v is None else str(v))


def _bi(id_: str, en: str) -> str:
    """A Bahasa Indonesia label with its English in grey."""
    return f'{_h(id_)} <span class="en">/ {_h(en)}</span>'


def _figure(pic: dict, lazy: bool = False) -> str:
    return (f'<figure><img src="{_h(pic["src"])}" {SIZE_MARK.format(pic["name"])} '
            f'alt="{_h(pic["alt"])}"{LAZY if lazy else ""}><figcaption>{_h(pic["alt"])}</figcaption></figure>')


def _rel(target: Path, base: Path) -> str:
    return Path(os.path.relpath(Path(target).resolve(), Path(base).resolve())).as_posix()


def _item_html(it: Item, links: dict[str, str]) -> str:
    sev_cls = {"critical": "critical", "warning": "warning", "failure": "failure", "review": "review"}.get(it.severity, "note")
    where = [x for x in (it.file, f"hal. {it.page}" if it.page else None,
                         f"jabatan {it.position_no}" if it.position_no else None,
                         f"indikator {it.indicator_no}" if it.indicator_no else None) if x]
    out = [f'<div class="item {sev_cls}" data-kind="{_h(it.kind)}" data-located="{int(it.located)}" '
           f'data-pictures="{len(it.pictures)}">',
           f'<div><span class="sev {sev_cls}">{_h(it.severity)}</span><span class="msg">{_h(it.title)}</span></div>']
    row_link = f'<a href="#{_h(it.link)}">{_bi("baris di tabel", "row in the table")}</a>'
    if where:
        pdf = links.get(it.file or "")
        href = f"{pdf}#page={it.page}" if pdf and it.page else pdf
        w = _h(", ".join(where))
        out.append(f'<div class="where">{w}' + (f' &middot; <a href="{_h(href)}">PDF</a>' if href else "")
                   + (f' &middot; {row_link}' if it.link else "") + "</div>")
    elif it.link:
        out.append(f'<div class="where">{row_link}</div>')
    if it.details:
        out.append('<table class="kv">' + "".join(f"<tr><th>{_h(k)}</th><td>{_h(v)}</td></tr>"
                                                for k, v in it.details if v not in (None, "")) + "</table>")
    out += [_figure(p) for p in it.pictures]
    if it.note:
        out.append(f'<div class="where">{_h(it.note)}</div>')
    out.append("</div>")
    return "\n".join(out)


def _formula_html(ind: dict) -> str:
    if ind.get("pembilang") or ind.get("penyebut"):
        return (f'<span class="frac"><span class="num">{_h(ind.get("pembilang"))}</span>'
                f'<span class="den">{_h(ind.get("penyebut"))}</span></span>')
    return _h(ind.get("formulasi"))


def _td(value, html: str | None = None) -> str:
    empty = value is None or str(value).strip() == ""
    return f'<td{EMPTY if empty else ""}>{html if html is not None else _h(value)}</td>'


def _position_html(dec: Decree, pos: dict, pics: list[dict], flagged: set[tuple], open_: bool) -> str:
    rec = dec.record
    did = rec.get("decree_id", "")
    inds = pos["indicators"]
    has_target = any(i.get("target") is not None for i in inds)
    has_extra = any(i.get("extra") for i in inds)
    pages = f"{pos['page_first']}" + (f"–{pos['page_last']}" if pos["page_last"] != pos["page_first"] else "")
    out = [f'<details id="{_row_anchor(did, pos["position_no"])}" class="position"{" open" if open_ else ""}>',
           f'<summary>{pos["position_no"]}. {_h(pos["jabatan"]) or "<em>(tanpa nama jabatan)</em>"} '
           f'<span class="en">— hal. {pages}, {len(inds)} indikator</span></summary>']
    for key, label in (("tugas", _bi("Tugas", "duties")), ("fungsi", _bi("Fungsi", "functions"))):
        if pos.get(key):
            out.append(f"<h4>{label}</h4><ul class='plain'>" + "".join(f"<li>{_h(t)}</li>" for t in pos[key]) + "</ul>")
    if pos.get("columns"):
        out.append(f'<div class="where">{_bi("Kolom seperti tercetak", "columns as printed")}: '
                   f'{_h(" | ".join(pos["columns"]))}</div>')
    if inds:
        head = ["No", _bi("Sasaran", "objective"), _bi("Indikator", "indicator"),
                _bi("Formulasi", "formula (pembilang / penyebut)"), _bi("Sumber data", "data source"),
                _bi("Penanggung jawab", "responsible")]
        head += [_bi("Target", "target")] if has_target else []
        head += [_bi("Kolom lain", "other columns")] if has_extra else []
        head += [_bi("Hal.", "page")]
        out.append("<table class='iki'><thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>")
        runs = []  # rows of each run of consecutive indicators under one sasaran (for rowspan)
        for k, i in enumerate(inds):
            if k and i["sasaran_no"] == inds[k - 1]["sasaran_no"]:
                runs[-1] += 1
            else:
                runs.append(1)
        starts = {sum(runs[:n]): r for n, r in enumerate(runs)}
        for k, i in enumerate(inds):
            flag = (rec["source_file"], pos["position_no"], i["indicator_no"]) in flagged
            cells = []
            if k in starts:
                rows = starts[k]
                cells.append(f'<td class="num" rowspan="{rows}">{_h(i.get("sasaran_label"))}</td>')
                cells.append(_td(i.get("sasaran")).replace("<td", f'<td rowspan="{rows}"', 1))
            label = f'<span class="en">{_h(i.get("indikator_label"))}</span> ' if i.get("indikator_label") else ""
            cells += [_td(i.get("indikator"), label + _h(i.get("indikator"))), _td(i.get("formulasi"), _formula_html(i)),
                      _td(i.get("sumber_data")), _td(i.get("penanggung_jawab"))]
            if has_target:
                cells.append(_td(i.get("target")))
            if has_extra:
                cells.append(f"<td>{_h('; '.join(f'{k}: {v}' for k, v in sorted((i.get('extra') or {}).items())))}</td>")
            cells.append(f'<td class="num">{_h(i.get("page"))}</td>')
            out.append(f'<tr id="{_row_anchor(did, pos["position_no"], i["indicator_no"])}"'
                       f'{FLAG if flag else ""}>' + "".join(cells) + "</tr>")
        out.append("</tbody></table>")
    else:
        out.append(f'<p class="bad">{_bi("Tidak ada indikator terbaca", "no indicator was read")}</p>')
    out += [_figure(p, lazy=not open_) for p in pics]
    out.append("</details>")
    return "\n".join(out)


def _legend() -> str:
    spans = [f'<span><i style="border-color:rgb{c}"></i>{_h(lab)}</span>' for lab, c in COLUMNS.values()]
    spans.append(f'<span><i style="border-color:rgb{EXTRA_COLOUR}"></i>{_h("kolom lain / other")}</span>')
    spans.append('<span><i style="border-color:#333;background:rgba(255,221,0,.45)"></i>'
                 f'{_bi("sel yang dimaksud", "the cells in question")}</span>')
    return f'<div class="legend">{_bi("Kotak sel terdeteksi", "detected cell boxes")}: {"".join(spans)}</div>'


# --- the report ---------------------------------------------------------------------------------

def write_html_report(result: RunResult, settings: Settings) -> Path:
    """Write reports/index.html (and its pictures in reports/img/) for a finished run; returns the
    page's path. Reads the run's interim/review.csv and reports/validation/summary.json."""
    reports = Path(settings.reports)
    img_dir = reports / IMG_DIR
    img_dir.mkdir(parents=True, exist_ok=True)
    pictures = Pictures(img_dir)
    html = _build(result, settings, reports, pictures)
    pictures.render(settings.n_workers)
    html = pictures.fill(html)
    out = reports / "index.html"
    tmp = out.with_suffix(".html.tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, out)
    pictures.prune()
    return out


def _build(result: RunResult, settings: Settings, reports: Path, pictures: Pictures) -> str:
    decrees = {r["source_file"]: _decree(r, settings) for r in sorted(result.records, key=lambda r: r["source_file"])}
    published = dict(decrees)
    for f in result.failures:  # quarantined annexes: their reading is in the parse cache
        if f.file not in decrees and f.stage == "validate":
            rec = _cached_record(settings, f.file, f.sha256)
            if rec is not None:
                decrees[f.file] = _decree(rec, settings)
    links = {name: _rel(d.pdf, reports) for name, d in decrees.items() if d.pdf is not None}
    ids = {name: d.record.get("decree_id", "") for name, d in decrees.items()}

    def anchor(it: Item) -> str:
        if it.file in ids and it.position_no:
            return _row_anchor(ids[it.file], it.position_no, it.indicator_no)
        return ""

    summary = _read_json(reports / "validation" / "summary.json")
    review_rows = _read_review(settings.interim / "review.csv")

    # review items
    review_items = []
    for r in review_rows:
        kind = r.get("kind", "")
        texts = {r.get("text_a", ""), r.get("text_b", "")}
        it = Item("review", "review", f"{kind}: “{r.get('text_a', '')}” ≈ “{r.get('text_b', '')}”",
                  r.get("source_file") or None, _int(r.get("page")), _int(r.get("position_no")),
                  details=[("score", r.get("score", "")), ("reason", r.get("reason", "")),
                           ("jabatan", r.get("jabatan", ""))])
        field_ = {"indikator": "indikator", "sasaran": "sasaran"}.get(kind)
        _picture_for(it, decrees, pictures,
                     focus_of=(lambda i, f=field_, t=texts: i.get(f) in t) if field_ else (lambda i: False))
        it.link = anchor(it)
        review_items.append(it)

    # validation findings, by title, so a run warning "validation: <title>" can show its rows
    validation_items = _validation_items(summary)
    for it in validation_items:
        _picture_for(it, decrees, pictures)
        it.link = anchor(it) if it.file in published else ""
    by_title: dict[str, list[Item]] = {}
    for it in validation_items:
        by_title.setdefault(it.title, []).append(it)

    # the run's warnings
    warning_items = []
    for w in result.warnings:
        msg = w.get("message", "")
        it = Item("warning", "warning", msg, w.get("file"), _int(w.get("page")), _int(w.get("position_no")))
        if it.located:
            _picture_for(it, decrees, pictures)
            it.link = anchor(it)
        elif msg.startswith("validation: ") and msg[12:] in by_title:
            rows = by_title[msg[12:]]
            it.pictures = [p for r in rows for p in r.pictures]
            it.details = [("rows", "; ".join(", ".join(x for x in (r.file, f"hal. {r.page}" if r.page else "",
                                                                     f"jabatan {r.position_no}" if r.position_no else "",
                                                                     f"indikator {r.indicator_no}" if r.indicator_no else "")
                                                        if x) for r in rows))]
            it.link = next((r.link for r in rows if r.link), "")
            it.note = "details: Validasi / Validation below and in the Data Docs"
        elif msg.startswith("review: "):
            it.pictures = [p for r in review_items for p in r.pictures]
            it.note = "details: Perlu ditinjau / Review below"
        elif it.file and it.file in decrees:  # a file-level warning: its first page
            it.page = 1
            _picture_for(it, decrees, pictures)
            it.page = None
            if not it.pictures:
                it.note = "file-level warning / peringatan tingkat berkas"
        else:
            it.note = "not tied to a page / tidak terkait halaman tertentu"
        warning_items.append(it)

    # failures
    failure_items = []
    for f in result.failures:
        it = Item("failure", "failure", f.reason, f.file, f.page,
                  details=[("stage", f.stage), ("sha256", f.sha256[:16] if f.sha256 else ""), ("detail", f.detail)])
        if it.located:
            if it.file not in decrees and f.sha256:  # a parse failure on a page: show the bare page
                pdf = settings.raw / f.file
                if pdf.is_file():
                    try:
                        ok = sha256_file(pdf) == f.sha256
                    except OSError:
                        ok = False
                    n_pages = _page_count(pdf) if ok else 0
                    if n_pages:
                        decrees[f.file] = Decree({"source_file": f.file, "sha256": f.sha256, "n_pages": n_pages,
                                                  "positions": []}, pdf)
            _picture_for(it, decrees, pictures)
        else:
            it.note = "no page to show / tidak ada halaman untuk ditampilkan"
        failure_items.append(it)

    flagged = {(it.file, it.position_no, it.indicator_no) for it in [*validation_items, *warning_items]
               if it.position_no and it.indicator_no}
    flagged_pos = {(it.file, it.position_no) for it in [*validation_items, *warning_items, *review_items]
                   if it.position_no}

    # --- page ---
    val_doc = reports / "validation" / "index.html"
    has_docs = val_doc.exists() or bool(summary.get("docs_index"))  # the validator may still be writing them
    head_links = [f'<a href="#warnings">{_bi("Peringatan", "warnings")}</a>',
                  f'<a href="#review">{_bi("Perlu ditinjau", "review")}</a>',
                  f'<a href="#failures">{_bi("Gagal", "failures")}</a>',
                  f'<a href="#validation">{_bi("Validasi", "validation")}</a>',
                  f'<a href="#decrees">{_bi("Keputusan dan jabatan", "decrees and positions")}</a>']
    n_crit = len(result.critical)
    status = ('<span class="ok">diterbitkan / published</span>' if result.published else
              '<span class="bad">tidak diterbitkan / not published</span>')
    parts = ['<!DOCTYPE html>', '<html lang="id">', '<head>', '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             '<title>Laporan ekstraksi IKI / IKI extraction report</title>', f"<style>{CSS}</style>", '</head>',
             '<body>', '<header>', f'<h1>{_bi("Laporan ekstraksi IKI", "IKI extraction report")}</h1>',
             f'<div>{_h(result.files)} berkas / files &middot; {_h(result.pages)} halaman / pages &middot; '
             f'{_h(result.positions)} jabatan / positions &middot; {_h(result.indicators)} indikator / indicators '
             f'&middot; {len(result.warnings)} peringatan / warnings &middot; {len(review_items)} perlu ditinjau / '
             f'to review &middot; {len(result.failures)} gagal / failed &middot; {n_crit} kritis / critical '
             f'&middot; {status}</div>',
             '<div>'
             + (f'<a href="{_h(_rel(val_doc, reports))}">Data Docs validasi / validation Data Docs</a> &middot; '
                if has_docs else "")
             + '<a href="run.json">run.json</a> &middot; <a href="failures.csv">failures.csv</a>'
             + (f' &middot; <a href="{_h(_rel(settings.interim / "review.csv", reports))}">review.csv</a>'
                if (settings.interim / "review.csv").exists() else "")
             + '</div>', f'<nav>{" ".join(head_links)}</nav>', '</header>', '<main>']

    def section(id_: str, title: str, items: list[Item], empty: str, intro: str = "") -> None:
        parts.append(f'<section id="{id_}"><h2>{title} <span class="en">({len(items)})</span></h2>{intro}')
        parts.append("\n".join(_item_html(it, links) for it in items) if items else f"<p>{empty}</p>")
        parts.append("</section>")

    section("warnings", _bi("Peringatan", "warnings"), warning_items,
            _bi("Tidak ada peringatan", "no warnings"))
    section("review", _bi("Perlu ditinjau", "review items"), review_items,
            _bi("Tidak ada yang perlu ditinjau", "nothing to review"),
            "<p>" + _bi("Pasangan nama/indikator yang mirip tetapi tidak pasti; putuskan di reference/aliases.csv",
                        "uncertain matches; decide them in reference/aliases.csv") + "</p>")
    section("failures", _bi("Berkas gagal", "failed files"), failure_items,
            _bi("Tidak ada berkas yang gagal", "no file failed"))

    # validation
    parts.append(f'<section id="validation"><h2>{_bi("Validasi", "validation")}</h2>')
    if summary:
        parts.append(f'<p><a href="{_h(_rel(val_doc, reports))}">{_bi("Buka Data Docs", "open the Data Docs")}</a></p>'
                     if has_docs else "")
        parts.append("<table><thead><tr><th>" + "</th><th>".join(
            [_bi("Tabel", "table"), _bi("Baris", "rows"), _bi("Ekspektasi", "expectations"), _bi("Gagal", "failed")])
            + "</th></tr></thead><tbody>")
        for t, v in sorted((summary.get("tables") or {}).items()):
            parts.append(f'<tr><td>{_h(t)}</td><td class="num">{_h(v.get("rows"))}</td>'
                         f'<td class="num">{_h(v.get("expectations"))}</td><td class="num">{_h(v.get("failed"))}</td></tr>')
        parts.append("</tbody></table>")
        parts.append("\n".join(_item_html(it, links) for it in validation_items)
                     if validation_items else f'<p class="ok">{_bi("Semua ekspektasi terpenuhi", "all expectations met")}</p>')
    else:
        parts.append(f"<p>{_bi('Belum ada hasil validasi', 'no validation results yet')}</p>")
    parts.append("</section>")
    # decrees
    parts.append(f'<section id="decrees"><h2>{_bi("Keputusan dan jabatan", "decrees and positions")}</h2>')
    parts.append(_legend())
    if not published:
        parts.append(f'<p>{_bi("Tidak ada keputusan yang terbaca", "no decree was read")}</p>')
    for name, dec in published.items():
        rec = dec.record
        d = rec.get("decree", {})
        n_ind = sum(len(p["indicators"]) for p in rec.get("positions", []))
        n_sas = sum(len({i["sasaran_no"] for i in p["indicators"]}) for p in rec.get("positions", []))
        n_warn = sum(1 for w in result.warnings if w.get("file") == name)
        n_rev = sum(1 for r in review_items if r.file == name)
        parts.append(f'<article class="decree" id="d{_h(rec.get("decree_id", ""))}">')
        parts.append(f'<h3>{_h(name)}' + (f' <a class="en" href="{_h(links[name])}">PDF</a>' if name in links else "")
                     + "</h3>")
        kv = [("Lampiran dari", "annex of", d.get("lampiran_of")), ("Nomor", "number", d.get("nomor")),
              ("Tanggal", "date", d.get("tanggal")), ("Judul", "title", d.get("title")),
              ("Perangkat daerah", "agency", d.get("agency")), ("decree_id", "", rec.get("decree_id")),
              ("Berkas lain dengan isi sama", "same bytes as", ", ".join(rec.get("source_files", [])[1:]))]
        parts.append('<table class="kv">' + "".join(
            f'<tr><th>{_bi(a, b) if b else _h(a)}</th>{_td(v)}</tr>' for a, b, v in kv
            if not (a.startswith("Berkas lain") and not v)) + "</table>")
        parts.append('<div class="counts">' + "".join(f"<span>{c}</span>" for c in (
            f"{rec.get('n_pages', '?')} halaman / pages", f"{len(rec.get('positions', []))} jabatan / positions",
            f"{n_sas} sasaran", f"{n_ind} indikator / indicators", f"{n_warn} peringatan / warnings",
            f"{n_rev} perlu ditinjau / to review")) + "</div>")
        pics = position_pictures(dec, pictures)
        for pos in rec.get("positions", []):
            parts.append(_position_html(dec, pos, pics[pos["position_no"]], flagged,
                                        (name, pos["position_no"]) in flagged_pos))
        parts.append("</article>")
    parts.append("</section>")

    parts += ["</main>", "</body>", "</html>", ""]
    return "\n".join(parts)


def position_pictures(dec: Decree, pictures: Pictures) -> dict[int, list[dict]]:
    """Per position, a picture of its rows on each of its pages, the cells read outlined."""
    out: dict[int, list[dict]] = {}
    for pos in dec.record.get("positions", []):
        pics = out.setdefault(pos["position_no"], [])
        for page in range(pos["page_first"], pos["page_last"] + 1):
            boxes = [b for i in pos["indicators"] for b in _boxes(i, page)]
            if boxes and dec.pdf is not None:
                region = _region(pos["indicators"], [b for _, b in boxes], 3 * MARGIN, MARGIN)
                pic = pictures.draw(dec, page, boxes, region=region,
                                    label=f"{dec.name} hal. {page}, jabatan {pos['position_no']}")
                if pic:
                    pics.append(pic)
    return out


def draw_ahead(record: dict, pdf: Path, reports: Path) -> None:
    """Called by a parse worker right after it read `pdf`: draws the position pictures every
    report shows, so they are drawn in parallel with the parse; the report finds them by name."""
    img_dir = reports / IMG_DIR
    img_dir.mkdir(parents=True, exist_ok=True)
    pictures = Pictures(img_dir)
    position_pictures(Decree(record, pdf), pictures)
    pictures.render(1)


def _page_count(pdf: Path) -> int:
    try:
        import pypdfium2 as pdfium  # noqa: PLC0415
        doc = pdfium.PdfDocument(str(pdf))
        try:
            return len(doc)
        finally:
            doc.close()
    except Exception:  # noqa: BLE001 - damaged, encrypted: no picture
        return 0
