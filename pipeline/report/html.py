"""The report page from the Jinja2 templates in pipeline/report/templates/. Autoescape is on for
every template: file names, cell texts and messages come from untrusted PDFs."""
from __future__ import annotations

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from pipeline.report.items import row_anchor
from pipeline.report.pictures import COLUMNS, EXTRA_COLOUR

LEGEND = [*COLUMNS.values(), ("kolom lain / other", EXTRA_COLOUR)]

_ENV = Environment(
    loader=PackageLoader("pipeline.report", "templates"),  # importlib-based: works from a wheel
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    finalize=lambda v: "" if v is None else v,  # a missing field shows as nothing, not "None"
)


_EMPTY, _NOTHING = Markup(' class="empty"'), Markup("")


def empty(value) -> Markup:
    """A cell's class attribute: marked empty when it has nothing to show. A function, not a
    macro: the report calls it for every cell, and a macro call costs ten times more."""
    return _EMPTY if value is None or str(value).strip() == "" else _NOTHING


_ENV.globals["empty"] = empty


def position_table(source_file: str, decree_id: str, pos: dict, flagged: set[tuple]) -> dict:
    """A position's indicator rows with what the table needs beyond the cells: the rowspan of
    each run of rows under one sasaran, whether a row is flagged, the optional columns."""
    inds = pos["indicators"]
    rows, first = [], None
    for k, ind in enumerate(inds):
        row = {"ind": ind, "span": 0,
               "anchor": row_anchor(decree_id, pos["position_no"], ind["indicator_no"]),
               "flag": (source_file, pos["position_no"], ind["indicator_no"]) in flagged,
               "extra": "; ".join(f"{name}: {value}" for name, value in sorted((ind.get("extra") or {}).items()))}
        if k and ind["sasaran_no"] == inds[k - 1]["sasaran_no"]:
            first["span"] += 1
        else:
            first = row
            row["span"] = 1
        rows.append(row)
    return {"rows": rows, "has_target": any(i.get("target") is not None for i in inds),
            "has_extra": any(i.get("extra") for i in inds)}


def render_page(context: dict, sizes: dict[str, tuple[int, int] | None]) -> str:
    """index.html for the report's contents; `sizes` gives each picture's width and height (None:
    the picture could not be drawn)."""
    page = _ENV.get_template("index.html.j2")
    return page.render(context, sizes=sizes, legend=LEGEND, row_anchor=row_anchor, position_table=position_table)
