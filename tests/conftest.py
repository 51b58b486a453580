import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).parent))

from pipeline.run.runner import run  # noqa: E402
from pipeline.core.settings import Settings  # noqa: E402

SAMPLE = ROOT / "raw" / "mojokerto-diskominfo-2025.office.pdf"


def read_curated(curated: Path) -> dict[str, pd.DataFrame]:
    return {p.stem: pd.read_parquet(p) for p in sorted(curated.glob("*.parquet"))}


def run_on(tmp: Path, pdfs: list[Path], **opts):
    """Run the whole pipeline on copies of `pdfs` in a fresh work area under tmp."""
    raw = tmp / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for p in pdfs:
        shutil.copy(p, raw / p.name)
    settings = Settings(raw=raw, interim=tmp / "interim", curated=tmp / "curated", reports=tmp / "reports",
                        **opts)
    return run(settings), settings


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sample")
    result, settings = run_on(tmp, [SAMPLE])
    return result, settings, read_curated(settings.curated)
