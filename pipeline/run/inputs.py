"""What a command needs, checked before any work: a missing or unreadable folder, policy, suite or
aliases file is one UserError line (exit 2), not a traceback after a minute of parsing."""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from pipeline.core.errors import UserError
from pipeline.core.settings import DEFAULT_EXPECTATIONS, Settings


def need_folder(path: Path, hint: str) -> None:
    if not Path(path).is_dir():
        raise UserError(f"no folder {path}: {hint}")


def check_suites(settings: Settings) -> None:
    """Every suite the package ships must be in the suites folder a run uses, as readable JSON:
    a project's expectations/ replaces the package's whole, so a lost file is an error, not a fallback."""
    folder = settings.expectations
    need_folder(folder, "the expectation suites (`iki init` writes a copy of the package's)")
    for default in sorted(DEFAULT_EXPECTATIONS.glob("*.json")):
        path = folder / default.name
        if not path.is_file():
            raise UserError(f"{path} is missing: a project's expectations/ folder replaces the package's suites "
                            f"whole (`iki init` writes them all)")
        try:
            expectations = json.loads(path.read_text(encoding="utf-8"))["expectations"]
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise UserError(f"{path}: unreadable suite ({_why(e)})") from None
        if not isinstance(expectations, list):
            raise UserError(f"{path}: unreadable suite (expectations is not a list)")


def check_reference(settings: Settings, scoring: bool) -> None:
    """aliases.csv (absent means no decisions yet) and, when scoring, the policy."""
    from pipeline.stages.normalise import load_aliases  # noqa: PLC0415 - pandas: not for `iki parse`
    from pipeline.stages.score import load_policy  # noqa: PLC0415

    need_folder(settings.reference, "the reference files aliases.csv and scoring.yaml (`iki init` writes them)")
    try:
        load_aliases(settings.aliases)
    except (OSError, ValueError, KeyError) as e:
        raise UserError(f"{settings.aliases}: unreadable aliases ({_why(e)})") from None
    if not scoring:
        return
    if not settings.policy.is_file():
        raise UserError(f"{settings.policy} not found: the scoring policy (`iki init` writes the default one)")
    try:
        load_policy(settings.policy)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, yaml.YAMLError) as e:
        raise UserError(f"{settings.policy}: unreadable scoring policy ({_why(e)})") from None


def check_run(settings: Settings) -> None:
    """Inputs of `iki all` and `iki score`: the PDFs, the reference files and the suites."""
    need_folder(settings.raw, "put the decree PDFs there, or pass --raw")
    check_reference(settings, scoring=settings.realisasi.is_dir())
    check_suites(settings)


def _why(e: Exception) -> str:
    """One line of an exception: a YAML error spans several, a KeyError is only the key."""
    if isinstance(e, KeyError):
        return f"missing key {e}"
    return " ".join(str(e).split()) or type(e).__name__
