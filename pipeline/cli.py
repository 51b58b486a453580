"""The `iki` command: one subcommand per stage and `all`.

Exit codes: 0 all good; 1 a file failed, a unit (decree, position) was withheld by validation or
the run failed validation (what passed is still published), or with --strict a warning was raised
(then nothing is published); 2 wrong usage or missing inputs."""
from __future__ import annotations

from pathlib import Path

import typer

from pipeline.core.result import RunResult
from pipeline.core.settings import Settings
from pipeline.run.runner import parse_only, run, summary_lines

app = typer.Typer(help="Read IKI decree PDFs into validated Parquet tables.", no_args_is_help=True,
                  add_completion=False)

RAW = typer.Option(Path("raw"), "--raw", help="Folder with the decree PDFs as received.")
INTERIM = typer.Option(Path("interim"), "--interim", help="Folder for what was read (the parse cache).")
CURATED = typer.Option(Path("curated"), "--curated", help="Folder the published Parquet tables go to.")
REPORTS = typer.Option(Path("reports"), "--reports", help="Folder for the run report, failures.csv and Data Docs.")
REALISASI = typer.Option(Path("realisasi"), "--realisasi", help="Folder with filled realisation workbooks to score.")
WORKERS = typer.Option(0, "--workers", help="PDFs parsed at a time; 0 means one per CPU core.")
STRICT = typer.Option(False, "--strict", help="The CI gate: any withheld unit or warning fails the run "
                      "(exit 1) and leaves curated/ as it was.")
EXECUTOR = typer.Option("local", "--executor", help="Where the parallel work (parse, normalise's pair "
                        "decisions) runs: local processes or a dask cluster.")
SCHEDULER = typer.Option(None, "--scheduler", help="Dask scheduler address (tcp://host:8786); none starts a local cluster.")
LAYOUT = typer.Option("files", "--layout", help="files: one Parquet per table; dataset: also a hive-partitioned "
                      "dataset per table under curated/dataset/ (by decree_id).")
READER = typer.Option("pdfium", "--reader", help="Page reader: pdfium (fast, default) or pdfplumber (the reference).")


def _settings(**kw) -> Settings:
    return Settings(**{k: v for k, v in kw.items() if v is not None})


def _finish(result: RunResult, strict: bool) -> None:
    for line in summary_lines(result):
        typer.echo(line, err=line.startswith(("ERROR", "CRITICAL", "NOT PUBLISHED")))
    raise typer.Exit(result.exit_code or (1 if strict and result.warnings else 0))


@app.callback()
def main() -> None:
    """Read IKI decree PDFs into validated Parquet tables (see README.md)."""


@app.command("all")
def all_(raw: Path = RAW, interim: Path = INTERIM, curated: Path = CURATED, reports: Path = REPORTS,
         realisasi: Path = REALISASI, workers: int = WORKERS, strict: bool = STRICT, reader: str = READER,
         executor: str = EXECUTOR, scheduler: str = SCHEDULER, layout: str = LAYOUT) -> None:
    """Parse every PDF in RAW, normalise, validate, score filled realisation files, and publish."""
    _finish(run(_settings(raw=raw, interim=interim, curated=curated, reports=reports, realisasi=realisasi,
                          workers=workers, reader=reader, executor=executor,
                          scheduler=scheduler or None, layout=layout), strict), strict)


@app.command("parse")
def parse_(raw: Path = RAW, interim: Path = INTERIM, reports: Path = REPORTS, workers: int = WORKERS,
           strict: bool = STRICT, reader: str = READER) -> None:
    """Only read the PDFs into INTERIM (cached); publishes nothing."""
    _finish(parse_only(_settings(raw=raw, interim=interim, reports=reports, workers=workers, reader=reader)), strict)


@app.command("validate")
def validate_(curated: Path = CURATED, reports: Path = REPORTS, strict: bool = STRICT) -> None:
    """Validate the published tables in CURATED again and rebuild the Data Docs."""
    from pipeline.stages.validate import read_tables, validate_tables

    settings = _settings(curated=curated, reports=reports)
    if not curated.exists():
        typer.echo(f"no tables in {curated}: run `iki all` first", err=True)
        raise typer.Exit(2)
    report = validate_tables(read_tables(curated), settings.expectations, (reports / "validation").resolve())
    for line in report.lines():
        typer.echo(line)
    raise typer.Exit(report.exit_code(strict))


@app.command("template")
def template_(curated: Path = CURATED, out: Path = typer.Option(Path("realisasi"), "--out",
              help="Folder the realisation workbooks are written to."),
              overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing workbooks.")) -> None:
    """Write a realisation workbook (and CSV twin) per published decree, to fill in."""
    from pipeline.stages.score import write_templates

    if not curated.exists():
        typer.echo(f"no tables in {curated}: run `iki all` first", err=True)
        raise typer.Exit(2)
    for p in write_templates(curated, out, overwrite=overwrite):
        typer.echo(f"wrote {p}")


@app.command("score")
def score_(raw: Path = RAW, interim: Path = INTERIM, curated: Path = CURATED, reports: Path = REPORTS,
           realisasi: Path = REALISASI, strict: bool = STRICT) -> None:
    """Score the filled workbooks in REALISASI (runs the cached pipeline, then publishes the scores)."""
    if not realisasi.is_dir():
        typer.echo(f"no folder {realisasi}: run `iki template` and fill the workbooks first", err=True)
        raise typer.Exit(2)
    _finish(run(_settings(raw=raw, interim=interim, curated=curated, reports=reports, realisasi=realisasi),
                strict), strict)


if __name__ == "__main__":
    app()
