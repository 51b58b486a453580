"""Parse stage: one decree PDF -> what was read, with file/page/box provenance.

Bottom to top: `geometry` (ruling segments -> grids, words -> lines), `labels` ('Label : value'
fields, list items), `rows` (a grid's rows by column role, stitched across pages, stacked items),
`fractions`, `indicators` (rows -> indicator records), `document` (the flow of a whole decree:
`parse_pdf`, `parse_pages`). The package itself imports nothing, so its compiled part
(`_geometry`) is imported by `geometry` without importing the rest of the parse."""
