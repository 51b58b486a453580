"""The `iki` command: one subcommand per stage and `all`.

Exit codes: 0 all good; 1 a file failed or a critical validation failed (or, with --strict,
any warning); 2 wrong usage."""
from __future__ import annotations

from pathlib import Path

import typer

from .runner import run, summary_lines
from .settings import Settings

app = typer.Typer(help="Read IKI decree PDFs into validated Parquet tables.", no_args_is_help=True,
                  add_completion=False)

RAW = typer.Option(Path("raw"), "--raw", help="Folder with the decree PDFs as received.")
INTERIM = typer.Option(Path("interim"), "--interim", help="Folder for what was read (cache included).")
CURATED = typer.Option(Path("curated"), "--curated", help="Folder the published Parquet tables go to.")
REPORTS = typer.Option(Path("reports"), "--reports", help="Folder for the run report and failures.csv.")
WORKERS = typer.Option(0, "--workers", help="Parallel PDFs; 0 means one per CPU core.")
STRICT = typer.Option(False, "--strict", help="Fail (exit 1) on warnings too, for CI.")


@app.callback()
def main() -> None:
    """Read IKI decree PDFs into validated Parquet tables (see README.md)."""


@app.command("all")
def all_(raw: Path = RAW, interim: Path = INTERIM, curated: Path = CURATED, reports: Path = REPORTS,
         workers: int = WORKERS, strict: bool = STRICT) -> None:
    """Parse every PDF in RAW, validate, and publish the tables to CURATED."""
    settings = Settings(raw=raw, interim=interim, curated=curated, reports=reports, workers=workers, strict=strict)
    result = run(settings)
    for line in summary_lines(result):
        typer.echo(line, err=line.startswith(("ERROR", "CRITICAL")))
    code = result.exit_code or (1 if strict and result.warnings else 0)
    raise typer.Exit(code)


if __name__ == "__main__":
    app()
