"""The `iki` command: one subcommand per stage and `all`.

Exit codes: 0 all good; 1 a file failed, a unit (decree, position) was withheld by validation or
the run failed validation (what passed is still published), or with --strict a warning was raised
(then nothing is published); 2 wrong usage or missing inputs."""
from __future__ import annotations

from importlib import metadata
from pathlib import Path

import typer

from pipeline.core.errors import UserError
from pipeline.core.result import RunResult
from pipeline.core.settings import Settings
from pipeline.run.inputs import check_run, check_suites, need_folder
from pipeline.run.reading import parse_only, summary_lines

# plain help (no rich markup mode): flags show as `--strict`, not `--strict <bool>`
app = typer.Typer(help="Read IKI decree PDFs into validated Parquet tables.", no_args_is_help=True,
                  add_completion=False, rich_markup_mode=None)

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
REFERENCE = typer.Option(None, "--reference", help="Folder with aliases.csv and scoring.yaml; default ./reference "
                         "when there, else the package's.")
EXPECTATIONS = typer.Option(None, "--expectations", help="Folder with the expectation suites; default ./expectations "
                            "when there, else the package's.")
POLICY = typer.Option(None, "--policy", help="Scoring policy file; default scoring.yaml in the reference folder.")


def _settings(**kw) -> Settings:
    return Settings(**{k: v for k, v in kw.items() if v is not None})


def _finish(result: RunResult, strict: bool, settings: Settings | None = None) -> None:
    if settings is not None:
        typer.echo(settings.inputs_line())
    for line in summary_lines(result):
        typer.echo(line, err=line.startswith(("ERROR", "CRITICAL", "NOT PUBLISHED")))
    raise typer.Exit(result.exit_code or (1 if strict and result.warnings else 0))


def _version(value: bool) -> None:
    if value:
        typer.echo(f"iki-pipeline {metadata.version('iki-pipeline')}")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", is_eager=True, callback=_version,
                                      help="Print the version and exit.")) -> None:
    """Read IKI decree PDFs into validated Parquet tables (see README.md)."""


def entry() -> None:
    """The `iki` script: a user's mistake (missing or unreadable input) is one line and exit 2, no traceback."""
    try:
        app()
    except UserError as e:
        typer.echo(f"error: {e}", err=True)
        raise SystemExit(2) from None


@app.command("init")
def init_(folder: Path = typer.Argument(Path("."), help="Project folder to write (made if absent)."),
          source: str = typer.Option(None, "--source", help="What the CI workflow pip-installs the tool from; "
                                     "default iki-pipeline==<this version>, or e.g. git+https://host/org/iki-pipeline@v0.1.0."),
          force: bool = typer.Option(False, "--force", help="Replace files that already exist.")) -> None:
    """Write a ready project: raw/, reference/ and expectations/ to edit, a README and a CI workflow."""
    from pipeline.tools.project import default_source, write_project

    for p in write_project(folder, source or default_source(), force):
        typer.echo(f"wrote {p}")
    typer.echo(f"next: put the decree PDFs in {folder / 'raw'}, then run `iki all` in {folder}")


@app.command("all")
def all_(raw: Path = RAW, interim: Path = INTERIM, curated: Path = CURATED, reports: Path = REPORTS,
         realisasi: Path = REALISASI, workers: int = WORKERS, strict: bool = STRICT, reader: str = READER,
         executor: str = EXECUTOR, scheduler: str = SCHEDULER, layout: str = LAYOUT, reference: Path = REFERENCE,
         expectations: Path = EXPECTATIONS, policy: Path = POLICY) -> None:
    """Parse every PDF in RAW, normalise, validate, score filled realisation files, and publish."""
    settings = _settings(raw=raw, interim=interim, curated=curated, reports=reports, realisasi=realisasi,
                         workers=workers, reader=reader, executor=executor, scheduler=scheduler or None,
                         layout=layout, reference=reference, expectations=expectations, policy=policy)
    from pipeline.run.runner import run  # the stages after the parse: not imported by `iki parse`

    check_run(settings)
    _finish(run(settings, strict), strict, settings)


@app.command("parse")
def parse_(raw: Path = RAW, interim: Path = INTERIM, reports: Path = REPORTS, workers: int = WORKERS,
           strict: bool = STRICT, reader: str = READER) -> None:
    """Only read the PDFs into INTERIM (cached); publishes nothing."""
    need_folder(raw, "put the decree PDFs there, or pass --raw")
    _finish(parse_only(_settings(raw=raw, interim=interim, reports=reports, workers=workers, reader=reader)), strict)


@app.command("validate")
def validate_(curated: Path = CURATED, reports: Path = REPORTS, strict: bool = STRICT,
              expectations: Path = EXPECTATIONS) -> None:
    """Validate the published tables in CURATED again and rebuild the Data Docs."""
    from pipeline.stages.validate import read_tables, validate_tables

    settings = _settings(curated=curated, reports=reports, expectations=expectations)
    need_folder(curated, "no tables yet: run `iki all` first")
    check_suites(settings)
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

    need_folder(curated, "no tables yet: run `iki all` first")
    try:
        written = write_templates(curated, out, overwrite=overwrite)
    except OSError as e:  # a table missing from CURATED, or OUT not writable
        raise UserError(f"{e.filename}: {e.strerror}" if e.filename else str(e)) from None
    for p in written:
        typer.echo(f"wrote {p}")


@app.command("score")
def score_(raw: Path = RAW, interim: Path = INTERIM, curated: Path = CURATED, reports: Path = REPORTS,
           realisasi: Path = REALISASI, strict: bool = STRICT, reference: Path = REFERENCE,
           expectations: Path = EXPECTATIONS, policy: Path = POLICY) -> None:
    """Score the filled workbooks in REALISASI (runs the cached pipeline, then publishes the scores)."""
    need_folder(realisasi, "run `iki template` and fill the workbooks first")
    settings = _settings(raw=raw, interim=interim, curated=curated, reports=reports, realisasi=realisasi,
                         reference=reference, expectations=expectations, policy=policy)
    from pipeline.run.runner import run  # the stages after the parse: not imported by `iki parse`

    check_run(settings)
    _finish(run(settings, strict), strict, settings)


if __name__ == "__main__":
    entry()
