"""The family, not the file: decree content -> PDF (python-docx + LibreOffice) -> pipeline -> the same
content, cell by cell, over every layout variant and over wording that is not the seed's."""
import hashlib

import pytest

from conftest import read_curated, run_on
from fixtures.content import make_content, seed_content
from fixtures.generator import VARIANTS, expected_content, render
from goldlib import compare


def _jobs():
    jobs = []
    for n, (name, variant) in enumerate(sorted(VARIANTS.items())):
        jobs.append((f"{name}-seed", seed_content(), variant))
        jobs.append((f"{name}-c{n}", make_content(100 + n), variant))
        cols = "target" if variant.page == "a4-portrait" else "satuan_target"
        jobs.append((f"{name}-cols{n}", make_content(200 + n, columns=cols), variant))
    return jobs


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("roundtrip")
    jobs = _jobs()
    pdfs = render([(c, v) for _, c, v in jobs], tmp / "rendered")
    result, settings = run_on(tmp, pdfs)
    return jobs, pdfs, result, read_curated(settings.curated)


def test_every_variant_reads_back_exactly(corpus):
    jobs, pdfs, result, curated = corpus
    assert not result.failures, result.failures
    report = []
    for (name, content, variant), pdf in zip(jobs, pdfs):
        decree_id = hashlib.sha256(pdf.read_bytes()).hexdigest()[:16]
        mismatches = compare(expected_content(content, variant), decree_id, curated, limit=5)
        if mismatches:
            report.append(f"{name} ({pdf.name}):\n  " + "\n  ".join(mismatches))
    print(f"{len(jobs)} decrees, {result.pages} pages, {result.positions} positions, "
          f"{result.indicators} indicators; exact: {len(jobs) - len(report)}/{len(jobs)}")
    assert not report, "\n".join(report)


def test_extra_columns_are_kept_not_shifted(corpus):
    jobs, pdfs, _, curated = corpus
    ind = curated["indicators"]
    with_target = [pdf for (name, c, v), pdf in zip(jobs, pdfs) if "TARGET" in c["positions"][0]["columns"]]
    assert with_target
    ids = {hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in with_target}
    rows = ind[ind.decree_id.isin(ids)]
    assert rows.target.notna().all() and (rows.target != "").all()
    satuan = rows[rows.extra.map(lambda m: dict(m).get("SATUAN") is not None)]
    assert len(satuan) > 0
