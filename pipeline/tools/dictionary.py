"""The data dictionary (kamus data), generated from schema.py into docs/data-dictionary.md and the
README's contract section, so the documentation can never disagree with the Parquet files."""
from __future__ import annotations

import sys

from pipeline.core.schema import CONTRACT_VERSION, CURATED_TABLES, SCORE_TABLES, Table
from pipeline.core.settings import PROJECT

BEGIN, END = "<!-- contract:begin -->", "<!-- contract:end -->"


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


def render_readme(text: str) -> str:
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{contract_markdown()}\n{END}{tail}"


def main() -> int:
    docs = PROJECT / "docs" / "data-dictionary.md"
    docs.parent.mkdir(exist_ok=True)
    docs.write_text("# Kamus data / data dictionary\n\nGenerated from `pipeline/core/schema.py` by "
                    "`python -m pipeline.tools.dictionary`; do not edit by hand.\n\n" + contract_markdown() + "\n",
                    encoding="utf-8")
    readme = PROJECT / "README.md"
    readme.write_text(render_readme(readme.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
