"""Hostile input and hostile machines (issue 21 points 2-9): damaged decrees are never published
short without a word, odd names and odd entries are said and escaped, huge files are refused
unread, full or read-only folders and a second run at once are one line, no script from a PDF runs
in the Data Docs. Real PDFs, a real `iki`, a real tmpfs and a real headless Chromium."""
from __future__ import annotations

import csv
import fcntl
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import SAMPLE, read_curated, run_on
from goldlib import compare, load_gold
from pipeline.core.files import sha256_file
from pipeline.core.result import RunResult
from pipeline.core.settings import Settings
from pipeline.run.reading import discover

IKI = [sys.executable, "-m", "pipeline.cli"]
GOOD_ID = sha256_file(SAMPLE)[:16]


# root reads any file whatever its mode: without these capabilities it obeys file permissions
AS_A_USER = ["setpriv", "--inh-caps=-dac_override,-dac_read_search",
             "--bounding-set=-dac_override,-dac_read_search", "--"]


def iki_all(work: Path, raw: Path | None = None, prefix: tuple[str, ...] = (), **folders) -> subprocess.CompletedProcess:
    dirs = {"raw": raw or work / "raw", "interim": work / "interim", "curated": work / "curated",
            "reports": work / "reports", "realisasi": work / "none", **folders}
    args = [a for k, v in dirs.items() for a in (f"--{k}", str(v))]
    return subprocess.run([*prefix, *IKI, "all", *args, "--workers", "2"], cwd=work, capture_output=True,
                          timeout=900)


def one_error_line(proc: subprocess.CompletedProcess) -> str:
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "Traceback" not in err, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def test_damaged_decree_is_published_with_a_warning_per_page_it_lost(tmp_path):
    """10,000 bytes deleted from the middle of the sample: pages 23-26 read as blank; what is left
    is published, and each lost page is a warning naming the file, the page and the position."""
    raw = tmp_path / "raw"
    raw.mkdir()
    data = SAMPLE.read_bytes()
    (raw / "rusak.pdf").write_bytes(data[:len(data) // 2] + data[len(data) // 2 + 10_000:])
    shutil.copy(SAMPLE, raw / "baik.pdf")
    result, settings = run_on(tmp_path, [])
    assert result.published
    lost = sorted(w["page"] for w in result.warnings
                  if w["file"] == "rusak.pdf" and w["message"].startswith("page without text"))
    assert lost == [23, 24, 25, 26]
    assert all(w["position_no"] == 19 for w in result.warnings if w["file"] == "rusak.pdf" and w["page"] in lost)
    assert compare(load_gold(), GOOD_ID, read_curated(settings.curated)) == []
    report = json.loads((settings.reports / "run.json").read_text(encoding="utf-8"))
    assert sum(w["file"] == "rusak.pdf" and w["page"] == 23 for w in report["warnings"]) == 1


def test_unreadable_file_is_one_failure_line(tmp_path):
    """A file the user running iki may not read (chmod 000, iki run without root's right to read
    anything) is a failure line like any other bad file; the good decree is published."""
    (tmp_path / "raw").mkdir()
    shutil.copy(SAMPLE, tmp_path / "raw" / "baik.pdf")
    shutil.copy(SAMPLE, tmp_path / "raw" / "rahasia.pdf")
    os.chmod(tmp_path / "raw" / "rahasia.pdf", 0o000)
    proc = iki_all(tmp_path, prefix=AS_A_USER)
    err = proc.stderr.decode()
    assert proc.returncode == 1 and "Traceback" not in err, err
    assert "ERROR rahasia.pdf: cannot be read: Permission denied" in err.splitlines()
    rows = list(csv.DictReader(open(tmp_path / "reports" / "failures.csv", encoding="utf-8")))
    assert [(r["file"], r["reason"]) for r in rows] == [("rahasia.pdf", "cannot be read: Permission denied")]
    assert compare(load_gold(), GOOD_ID, read_curated(tmp_path / "curated")) == []


ODD = {b"bad-\xff.pdf": "bad-\\xff.pdf",
       b"x\nERROR forged.pdf: injected line\nNOT PUBLISHED: fake.pdf":
           "x\\nERROR forged.pdf: injected line\\nNOT PUBLISHED: fake.pdf",
       b"esc-\x1b[31mred\x1b[0m.pdf": "esc-\\x1b[31mred\\x1b[0m.pdf"}


def test_odd_names_and_entries_are_said_and_escaped_everywhere(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for k, name in enumerate(ODD):  # other bytes each, so each is its own decree
        (raw / os.fsdecode(name)).write_bytes(SAMPLE.read_bytes() + b"\n%% copy %d\n" % k)
    (raw / "dangling.pdf").symlink_to(tmp_path / "gone.pdf")
    (raw / "y.pdf").mkdir()
    os.mkfifo(raw / "fifo.pdf")
    shutil.copy(SAMPLE, raw / ".hidden.pdf")
    proc = iki_all(tmp_path)
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert proc.returncode == 0 and "Traceback" not in err, err
    assert "\x1b" not in out + err
    assert not any(ln.startswith(("ERROR", "NOT PUBLISHED")) for ln in (out + err).splitlines()), out + err
    for name, why in (("dangling.pdf", "symbolic link to nothing"), ("y.pdf", "a folder, not a file"),
                      ("fifo.pdf", "not a regular file"), (".hidden.pdf", "hidden file")):
        assert any(ln.startswith(f"WARNING {name}: skipped: {why}") for ln in out.splitlines()), (name, out)
    shown = set(ODD.values())
    assert set(read_curated(tmp_path / "curated")["decrees"].source_file) == shown
    report = json.loads((tmp_path / "reports" / "run.json").read_text(encoding="utf-8"))
    assert {w["file"] for w in report["warnings"]} >= shown
    html = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert "bad-\\xff.pdf" in html and "\x1b" not in html
    (tmp_path / "reports" / "failures.csv").read_text(encoding="utf-8")
    payloads = [json.loads(p.read_text()) for p in (tmp_path / "interim" / "parsed").glob("*.json")]
    assert len(payloads) == 3 and all(p["ok"] for p in payloads)  # no worker died, no verdict cached


def test_size_is_checked_before_reading(tmp_path):
    """A 4 GB sparse file is refused from its size: not read into memory, not hashed."""
    raw = tmp_path / "raw"
    raw.mkdir()
    with open(raw / "besar.pdf", "wb") as f:
        f.write(b"%PDF-1.4\n")
        f.truncate(4 << 30)
    before, started = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.monotonic()
    result = RunResult()
    assert discover(Settings(raw=raw), result) == []
    assert time.monotonic() - started < 2
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000  # kB
    assert [(f.file, f.reason) for f in result.failures] == [("besar.pdf", "file too large: 4295 MB (limit 200 MB)")]


@contextmanager
def tmpfs(path: Path, size: str, *options: str):
    path.mkdir(parents=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join([f"size={size}", *options]), "tmpfs", str(path)],
                             capture_output=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def test_full_interim_is_one_line_and_caches_no_false_verdict(tmp_path):
    """interim/ on a disk with room for the check but not for the parse: one line naming it, nothing
    published; with room again, the same cache folder gives the decree exactly (no 'crashed' kept)."""
    shutil.copytree(SAMPLE.parent, tmp_path / "raw", ignore=lambda d, names: [n for n in names if n != SAMPLE.name])
    with tmpfs(tmp_path / "disk", "64k") as disk:
        line = one_error_line(iki_all(tmp_path, interim=disk / "interim"))
        assert line.startswith(f"error: cannot write to {disk / 'interim'}: No space left on device"), line
        assert not (tmp_path / "curated").exists()
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        proc = iki_all(tmp_path, interim=disk / "interim")
        assert proc.returncode == 0, proc.stderr.decode()
        assert compare(load_gold(), GOOD_ID, read_curated(tmp_path / "curated")) == []


def test_full_reports_is_one_line(tmp_path):
    """reports/ with room for the check but not for the Data Docs (written in the validator's own
    process): one line naming it, curated/ not published."""
    shutil.copytree(SAMPLE.parent, tmp_path / "raw", ignore=lambda d, names: [n for n in names if n != SAMPLE.name])
    with tmpfs(tmp_path / "disk", "16k") as disk:
        line = one_error_line(iki_all(tmp_path, reports=disk / "reports"))
        assert line.startswith(f"error: cannot write to {disk / 'reports'}: No space left on device"), line
        assert not (tmp_path / "curated").exists()


@pytest.mark.parametrize("folder", ["curated", "reports", "interim"])
def test_read_only_output_folder_is_one_line_before_the_parse(tmp_path, folder):
    shutil.copytree(SAMPLE.parent, tmp_path / "raw", ignore=lambda d, names: [n for n in names if n != SAMPLE.name])
    with tmpfs(tmp_path / "disk", "1m", "ro") as disk:
        proc = iki_all(tmp_path, **{folder: disk / folder})
        line = one_error_line(proc)
        assert line.startswith(f"error: cannot write to {disk / folder}") and "Read-only file system" in line, line
        assert not list((tmp_path / "interim").glob("parsed/*.json"))  # refused before any parse


def test_exit_codes_and_nothing_to_read(tmp_path):
    assert "no folder" in one_error_line(iki_all(tmp_path, raw=tmp_path / "missing"))
    assert "no folder" in one_error_line(iki_all(tmp_path, raw=SAMPLE))
    (tmp_path / "raw").mkdir()
    proc = iki_all(tmp_path)
    out = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode == 1 and "nothing to read" in out and "critical" not in out, out


def test_a_second_run_on_the_same_folders_is_refused(tmp_path):
    """While a run holds the project's interim/ (here: a real first run, parsing), a second is
    refused at once with a line naming the folder and the first run's pid."""
    (tmp_path / "raw").mkdir()
    for k in range(4):
        (tmp_path / "raw" / f"k{k}.pdf").write_bytes(SAMPLE.read_bytes() + b"\n%% %d\n" % k)
    first = subprocess.Popen([*IKI, "all", "--raw", "raw", "--workers", "1"], cwd=tmp_path,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lock = tmp_path / "interim" / "parsed" / ".iki.lock"
    deadline = time.monotonic() + 60
    while not (lock.exists() and lock.read_text().strip() == str(first.pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    with open(lock) as f:  # held by the first run
        with pytest.raises(BlockingIOError):
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    second = subprocess.run([*IKI, "all", "--raw", "raw"], cwd=tmp_path, capture_output=True, timeout=120)
    line = one_error_line(second)
    assert line == f"error: another iki run (pid {first.pid}) is using interim; run again when it has finished"
    assert first.wait(timeout=900) == 0


def _dom(page: Path) -> str:
    """The page's DOM after a real headless Chromium ran whatever scripts it holds."""
    return subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                           "--virtual-time-budget=3000", "--dump-dom", page.as_uri()],
                          capture_output=True, text=True, timeout=120).stdout


def test_no_script_from_a_pdf_runs_in_the_data_docs(tmp_path):
    """A NOMOR holding a script (it fails the nomor shape expectation, so GX shows the value on the
    failed-rows page) is shown as text in Chromium: the script never runs, no element is injected.
    The same value put unescaped in a page does run there, so the browser would tell."""
    from fixtures.content import make_content
    from fixtures.generator import VARIANTS, render

    nomor = "800/<script>document.write('XSS'+'RAN')</script>/2025"
    content = make_content(61)
    content["decree"]["nomor"] = nomor
    [pdf] = render([(content, VARIANTS["reference"])], tmp_path / "rendered")
    result, settings = run_on(tmp_path, [pdf])
    assert result.published and "validation: decrees.nomor shape" in [w["message"] for w in result.warnings]
    pages = [p for p in (settings.reports / "validation").rglob("*.html") if "XSS" in p.read_text(encoding="utf-8")]
    assert pages, "the nomor is on no Data Docs page"
    for page in pages:
        dom = _dom(page)
        assert "XSSRAN" not in dom and "<script>document.write" not in dom, page
        assert "800/&lt;script&gt;document.write('XSS'+'RAN')&lt;/script&gt;/2025" in dom, page
    control = tmp_path / "control.html"
    control.write_text(f"<html><body><div>{nomor}</div></body></html>", encoding="utf-8")
    assert "XSSRAN" in _dom(control)
