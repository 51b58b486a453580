"""Pictures of page regions with the cells the parser detected drawn on them (from the interim
`cells` provenance). Rendered with pypdfium2 at about 1x, only for the pages that need them, and
saved under reports/img/ with names derived from what they show, so a rerun on the same input
writes the same bytes (and skips pictures that already exist)."""
from __future__ import annotations

import fcntl
import hashlib
import json
import multiprocessing
import os
import struct
from concurrent.futures import ProcessPoolExecutor
from contextlib import suppress
from pathlib import Path

from pipeline.core.files import atomic_path
from pipeline.report.decrees import Decree

RENDER_VERSION = "5"  # part of every picture's name: bump when the drawing changes
SCALE = 1.25  # pixels per PDF point
MARGIN = 18.0  # points around the cells shown in an item's picture
IMG_DIR = "img"
KEEP_PAGES = 4  # rendered pages kept in memory while drawing
SPAWN_MIN = 200  # pictures left to draw that pay for starting worker processes (~0.4 s each)
EVERY_POSITION_UP_TO = 50  # decrees in a run up to which the report pictures every position (every_position)

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


def boxes_on(ind: dict, page: int) -> list[tuple[str, list[float]]]:
    """An indicator's cell boxes on one page, as (column role, box)."""
    return [(col, b[1:]) for col, boxes in sorted(ind.get("cells", {}).items()) for b in boxes if b[0] == page]


def _span_x(inds: list[dict]) -> tuple[float, float] | None:
    """The table's left and right edge (points) over all pages of these indicators' cells; the
    NO column has no cells of its own, so the left margin is wider."""
    xs = [b for i in inds for bs in i.get("cells", {}).values() for b in bs]
    if not xs:
        return None
    return min(b[1] for b in xs) - 2.5 * MARGIN, max(b[3] for b in xs) + 2 * MARGIN


def region(inds: list[dict], rows: list[list[float]], above: float, below: float) -> list[float]:
    """From above the first to below the last of `rows` (boxes), across the whole table."""
    x0, x1 = _span_x(inds) or (min(b[0] for b in rows) - MARGIN, max(b[2] for b in rows) + MARGIN)
    return [x0, min(b[1] for b in rows) - above, x1, max(b[3] for b in rows) + below]


def _colour(col: str) -> tuple[int, int, int]:
    return COLUMNS.get(col, ("", EXTRA_COLOUR))[1]


class Pictures:
    """The pictures a report shows, in reports/img/. `draw` only names a picture (the name is a
    hash of what it shows) and notes the job; `render` draws the new ones, spread over worker
    processes by PDF, and records every picture's size for the page."""

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
            size = _size_of(path) if path.exists() else None
            if size is not None:
                self.sizes[name] = size
            else:  # new, or not a whole picture (cut short by a power cut): drawn again
                todo.setdefault(pdf, []).append((*job, path))
        batches = list(todo.items())
        if workers > 1 and len(batches) > 1 and sum(len(jobs) for _, jobs in batches) >= SPAWN_MIN:
            # spawned, not forked: the driver has Great Expectations and its threads loaded by now
            ctx = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(min(workers, len(batches)), mp_context=ctx) as pool:
                for sizes in pool.map(_render_batch, batches):
                    self.sizes.update(sizes)
        else:
            for batch in batches:
                self.sizes.update(_render_batch(batch))

    def prune(self) -> None:
        """Remove pictures of earlier runs that this report no longer shows."""
        for p in self.out.glob("*.png"):
            if p.name not in self.jobs:
                p.unlink()


PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"  # signature, then the header chunk with the size
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"  # the last chunk of every whole PNG


def _size_of(path: Path) -> tuple[int, int] | None:
    """The picture's size from its header, or None when it is not a whole PNG (its end chunk is missing:
    pictures are not fsynced, so a power cut may leave one short). Decoding each picture to check it
    cost the report more than a second per 1,000 decrees."""
    try:
        with open(path, "rb") as f:
            head = f.read(24)
            f.seek(-len(PNG_END), os.SEEK_END)
            end = f.read()
    except OSError:
        return None
    if head[:16] != PNG_HEAD or end != PNG_END:
        return None
    return struct.unpack(">II", head[16:24])


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
        for page, boxes, focus, area, path in jobs:
            try:
                if page not in pages:
                    while len(pages) >= KEEP_PAGES:
                        pages.pop(next(iter(pages)))
                    pages[page] = _page_image(doc, page)
                sizes[path.name] = _draw(pages[page], boxes, focus, area, path)
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


def _draw(rendered, boxes, focus, area, path: Path) -> tuple[int, int]:
    """Crop the page to `area` (points), draw the boxes and write the PNG; returns its size."""
    from PIL import Image, ImageDraw  # noqa: PLC0415
    image, (dx, dy), (pw, ph) = rendered
    every = [b for _, b in [*boxes, *focus]]
    if area is None:
        if every:
            area = [min(b[0] for b in every) - MARGIN, min(b[1] for b in every) - MARGIN,
                    max(b[2] for b in every) + MARGIN, max(b[3] for b in every) + MARGIN]
        else:
            area = [dx, dy, dx + pw, dy + ph]
    x0, y0 = max(area[0] - dx, 0), max(area[1] - dy, 0)
    x1, y1 = min(area[2] - dx, pw), min(area[3] - dy, ph)
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
    with atomic_path(path, durable=False) as tmp:  # a picture lost to a power cut is drawn again
        out.save(tmp, "PNG", compress_level=1)  # fast; size matters less than time here
    return out.size


def every_position(n_decrees: int) -> bool:
    """Whether the report pictures every position of a run of this many decrees, or only those with
    something open (a warning, a finding, a review item). The pictures cost more than the parse (~5
    ms each, ~27 CPU s per 1,000 decrees); a report of a regency's batch would hold tens of
    thousands no one opens, and each position keeps its table as read and a link to its PDF page."""
    return n_decrees <= EVERY_POSITION_UP_TO


def position_pictures(dec: Decree, pictures: Pictures, only: set[int] | None = None) -> dict[int, list[dict]]:
    """Per position (of `only`, if given), a picture of its rows on each of its pages, the cells
    read outlined."""
    out: dict[int, list[dict]] = {}
    for pos in dec.record.get("positions", []):
        if only is not None and pos["position_no"] not in only:
            continue
        pics = out.setdefault(pos["position_no"], [])
        for page in range(pos["page_first"], pos["page_last"] + 1):
            boxes = [b for i in pos["indicators"] for b in boxes_on(i, page)]
            if boxes and dec.pdf is not None:
                area = region(pos["indicators"], [b for _, b in boxes], 3 * MARGIN, MARGIN)
                pic = pictures.draw(dec, page, boxes, region=area,
                                    label=f"{dec.name} hal. {page}, jabatan {pos['position_no']}")
                if pic:
                    pics.append(pic)
    return out


def draw_ahead(record: dict, pdf: Path, reports: Path) -> None:
    """The position pictures every report shows of one parsed file, drawn ahead of the report
    (which finds them by name)."""
    img_dir = reports / IMG_DIR
    img_dir.mkdir(parents=True, exist_ok=True)
    pictures = Pictures(img_dir)
    position_pictures(Decree(record, pdf), pictures)
    pictures.render(1)


def _draw_parsed(pdf: Path, payload: Path, reports: Path) -> None:
    """The position pictures of one parsed file, from its cached payload (a failed parse has none)."""
    from pipeline.parse.cache import read_payload  # noqa: PLC0415
    got = read_payload(payload)
    if got and got.get("ok"):
        draw_ahead(got["result"], pdf, reports)


END = -1  # written twice when the parse is over: one for the Drawer, one for the driver drawing beside it
_INDEX = struct.Struct("i")  # a parsed job's index on the Drawer's pipe (a write this small is atomic)


def _draw_given(jobs: list[tuple[Path, Path]], reports: Path, inbox: int) -> None:
    """Draw the pictures of each job whose index comes through `inbox`, until END or the pipe's end
    (the driver gone). Two processes may read the same pipe: each index reaches one of them."""
    while len(data := os.read(inbox, _INDEX.size)) == _INDEX.size and (k := _INDEX.unpack(data)[0]) != END:
        pdf, out = jobs[k]
        try:
            _draw_parsed(pdf, out, reports)
        except Exception:  # noqa: BLE001, S110 - the report draws what is missing itself
            pass


def _drawer_main(jobs: list[tuple[Path, Path]], reports: Path, inbox: int, outbox: int) -> None:
    os.close(outbox)  # only the driver (and processes it forks) may keep the pipe open
    _draw_given(jobs, reports, inbox)


_ACTIVE: set["Drawer"] = set()  # drawers of this process with pictures under way


def settle() -> None:
    """Every Drawer of this process finished (this process drawing beside it)."""
    for drawer in list(_ACTIVE):
        drawer.wait()


class Drawer:
    """The report's position pictures of the files a run parses, drawn by one background process
    forked as the parse starts (before its workers, so it holds none of their pipes): with one
    worker on the core the driver leaves idle, then beside normalise and validation. The driver
    tells it each file whose payload is written (drawn inside the parse workers, the pictures cost
    as much time as the parse); when the pictures are needed (`wait`) the driver draws what is left
    beside it, and the report draws whatever is still missing. Not at a lower priority: on a
    machine busy with other work it then drew nearly nothing until the report, and the driver was
    left to draw it all on one core."""

    def __init__(self, reports: Path):
        self.reports = Path(reports)
        self._proc = None
        self._jobs: list[tuple[Path, Path]] = []
        self._inbox = self._outbox = None  # the pipe of parsed jobs' indices: read, write end

    def begin(self, jobs: list[tuple[Path, Path]]) -> None:
        """The parse of `jobs` (pdf, payload file) starts. Past EVERY_POSITION_UP_TO files the report
        pictures only positions with something open, known after validation: nothing to draw ahead."""
        if not jobs or self._proc is not None or not every_position(len(jobs)):
            return
        self._jobs = list(jobs)
        self._inbox, self._outbox = os.pipe()
        with suppress(OSError):  # room for 262,144 files the Drawer has not taken yet; past that `done` waits
            fcntl.fcntl(self._outbox, fcntl.F_SETPIPE_SZ, 1 << 20)
        ctx = multiprocessing.get_context("fork")
        self._proc = ctx.Process(target=_drawer_main, args=(self._jobs, self.reports, self._inbox, self._outbox),
                                 name="iki-pictures", daemon=True)
        self._proc.start()
        _ACTIVE.add(self)

    def done(self, k: int) -> None:
        """The payload of job `k` is written."""
        if self._outbox is not None:
            os.write(self._outbox, _INDEX.pack(k))

    def end(self) -> None:
        """The parse is over: no more payloads will come."""
        if self._outbox is not None:
            os.write(self._outbox, _INDEX.pack(END) * 2)
            os.close(self._outbox)
            self._outbox = None

    def wait(self) -> None:
        """Every picture drawn (one that failed is left for the report): this process draws the
        files not yet taken beside the Drawer, then waits for it."""
        self.end()
        if self._proc is not None:
            _draw_given(self._jobs, self.reports, self._inbox)
            self._proc.join()
            os.close(self._inbox)
            self._proc = self._inbox = None
        _ACTIVE.discard(self)
