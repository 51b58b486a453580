"""The data dictionary (kamus data), generated from core/schema.py into docs/data-dictionary.md, so
the documentation can never disagree with the Parquet files. The README links to it; it holds no
copy of the contract.

    python -m pipeline.tools.dictionary        # (`make docs`) rewrite docs/data-dictionary.md
"""
from __future__ import annotations

import sys

from pipeline.core.schema import CONTRACT_VERSION, CURATED_TABLES, SCORE_TABLES, Table
from pipeline.core.settings import PROJECT

DICTIONARY = PROJECT / "docs" / "data-dictionary.md"

PREAMBLE = """\
# Kamus data / data dictionary

Generated from `pipeline/core/schema.py` by `python -m pipeline.tools.dictionary` (`make docs`); do
not edit by hand. What each contract version added: [CHANGELOG.md](../CHANGELOG.md).

Tables in `curated/`; every column's meaning is also stored in the Parquet field metadata
(`description_id`, `description_en`). "As printed" means the cell's text with wrapped lines joined
by single spaces (no space after a line ending in a hyphen or slash attached to a word: "e-" +
"government" is "e-government"), runs of spaces collapsed, nothing else changed. Empty cells are
`""`, not null. The column "since" gives the contract version that added the column.
"""


def table_markdown(table: Table) -> str:
    rows = [f"### `curated/{table.name}.parquet`", "",
            f"{table.en} / *{table.id}*. Key: `{', '.join(table.keys)}`.", "",
            "| column | type | meaning | arti | example | since |", "|---|---|---|---|---|---|"]
    for c in table.columns:
        null = ", nullable" if c.nullable else ""
        rows.append(f"| `{c.name}` | {c.type}{null} | {c.en} | {c.id} | {c.example} | v{c.since} |")
    return "\n".join(rows)


def contract_markdown() -> str:
    tables = [*CURATED_TABLES.values(), *SCORE_TABLES.values()]
    return f"Contract version {CONTRACT_VERSION}.\n\n" + "\n\n".join(table_markdown(t) for t in tables)


def dictionary_markdown() -> str:
    """The whole of docs/data-dictionary.md."""
    return f"{PREAMBLE}\n{contract_markdown()}\n"


def main() -> int:
    DICTIONARY.parent.mkdir(exist_ok=True)
    DICTIONARY.write_text(dictionary_markdown(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
