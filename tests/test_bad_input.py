"""Bad files are explained one by one and never cost the good decrees anything."""
import csv
import shutil

from badpdfs import form_bomb, make_bad_corpus
from conftest import SAMPLE, read_curated, run_on


def test_bad_inputs_fail_with_their_own_reason_and_good_ones_publish(tmp_path, sample_run):
    raw = tmp_path / "raw"
    expect = make_bad_corpus(SAMPLE, raw)
    shutil.copy(SAMPLE, raw / "baik dengan spasi é.pdf")
    (raw / "salinan.pdf").write_bytes(SAMPLE.read_bytes())  # same bytes, second name
    long_name = "keputusan " + "sangat panjang " * 15 + ".pdf"  # ~240 characters
    (raw / long_name).write_bytes(SAMPLE.read_bytes() + b"\n% other bytes\n")
    result, settings = run_on(tmp_path, [], memory_limit_mb=700, time_limit=60)
    reasons = {f.file: f.reason for f in result.failures}
    for name, words in expect.items():
        assert name in reasons, f"{name} was not reported; failures: {reasons}"
        assert words in reasons[name], (name, reasons[name])
    assert "baik dengan spasi é.pdf" not in reasons and "salinan.pdf" not in reasons and long_name not in reasons
    assert any("same bytes as baik dengan spasi é.pdf" in w["message"] for w in result.warnings)
    assert result.exit_code == 1
    rows = list(csv.DictReader(open(settings.reports / "failures.csv", encoding="utf-8")))
    assert {r["file"] for r in rows} >= set(expect)
    assert all(r["sha256"] and r["reason"] for r in rows)
    # the good decree is published exactly as in a clean run of it alone
    _, _, clean = sample_run
    got = read_curated(settings.curated)
    good_ids = set(clean["decrees"].decree_id)
    for name in ("positions", "indicators"):
        a = got[name][got[name].decree_id.isin(good_ids)].reset_index(drop=True)
        b = clean[name].reset_index(drop=True)
        assert a.drop(columns=[c for c in a.columns if c not in b.columns]).equals(b[a.columns.intersection(b.columns)])
    dec = got["decrees"].set_index("decree_id").loc[sorted(good_ids)]
    assert list(dec.source_file) == ["baik dengan spasi é.pdf"]
    assert long_name in set(got["decrees"].source_file)


def test_symlink_out_of_raw_is_refused(tmp_path):
    outside = tmp_path / "elsewhere.pdf"
    shutil.copy(SAMPLE, outside)
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "tautan.pdf").symlink_to(outside)
    result, _ = run_on(tmp_path, [])
    assert [f.reason for f in result.failures] == ["symlink pointing outside raw/: refused"]


def test_time_limit_stops_a_page_that_never_ends_but_not_a_long_file(tmp_path):
    """The limit is on the time between pages read: a page that never ends is stopped, a file of
    many slow pages (each well within the limit, all together well over it) is read to its end."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "bom-formulir.pdf").write_bytes(form_bomb())  # 10**9 nested drawings on page 1
    (raw / "lambat.pdf").write_bytes(form_bomb(depth=4, pages=16))  # 10**4 drawings on each page
    result, _ = run_on(tmp_path, [], time_limit=2)
    reasons = {f.file: f.reason for f in result.failures}
    assert reasons == {"bom-formulir.pdf": "took longer than the time limit: no page read for 2 s (after page 0)",
                       "lambat.pdf": "no text on 16 pages: the pages are blank"}
