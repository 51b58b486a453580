"""Parse stage: one decree PDF -> what was read, with file/page/box provenance.

Bottom to top: `geometry` (ruling segments -> grids, words -> lines), `labels` ('Label : value'
fields, list items), `rows` (a grid's rows by column role, stitched across pages, stacked items),
`fractions`, `indicators` (rows -> indicator records), `document` (the flow of a whole decree)."""
from pipeline.parse.document import PARSER_VERSION, parse_pages, parse_pdf

__all__ = ["PARSER_VERSION", "parse_pages", "parse_pdf"]
