"""Kill the run at any moment: curated/ is the previous complete state or the new one, never a mix."""
import hashlib
import shutil
import signal
import subprocess
import sys
import time

from conftest import ROOT, SAMPLE


def _state(curated):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(curated.glob("*.parquet"))}


def _run(tmp, wait=True):
    cmd = [sys.executable, "-m", "pipeline.cli", "all", "--raw", str(tmp / "raw"), "--interim",
           str(tmp / "interim"), "--curated", str(tmp / "curated"), "--reports", str(tmp / "reports")]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    if wait:
        proc.wait(timeout=600)
    return proc


def test_sigkill_at_any_moment_leaves_a_complete_state(tmp_path):
    (tmp_path / "raw").mkdir()
    shutil.copy(SAMPLE, tmp_path / "raw" / "a.pdf")
    _run(tmp_path)
    old = _state(tmp_path / "curated")
    # a second decree (same content, other bytes) makes a new state
    (tmp_path / "raw" / "b.pdf").write_bytes(SAMPLE.read_bytes() + b"\n% another copy\n")
    seen = set()
    for delay in (0.3, 1.0, 2.0, 3.5, 5.0, 7.0):
        shutil.rmtree(tmp_path / "interim", ignore_errors=True)  # make the run long enough to kill
        proc = _run(tmp_path, wait=False)
        time.sleep(delay)
        import os
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        state = _state(tmp_path / "curated")
        assert state == old or (len(state) == len(old) and state != old and _complete(tmp_path)), delay
        seen.add("old" if state == old else "new")
        if state != old:
            old = state  # from now on the new state is the previous one
    _run(tmp_path)  # the next run cleans what killed runs left
    leftovers = [p.name for p in (tmp_path / ".curated-versions").iterdir() if p.name.startswith("staging-")]
    assert not leftovers
    assert len(_state(tmp_path / "curated")) == 4


def _complete(tmp):
    import pandas as pd
    dec = pd.read_parquet(tmp / "curated" / "decrees.parquet")
    ind = pd.read_parquet(tmp / "curated" / "indicators.parquet")
    return set(ind.decree_id) == set(dec.decree_id)


def _report_describes(tmp):
    """Whether reports/run.json describes the live curated/ version, or says it is stale (the link
    read before and after the report, so a swap in between is not taken for a lie)."""
    import json
    import os
    while True:
        live = os.readlink(tmp / "curated")
        report = json.loads((tmp / "reports" / "run.json").read_text(encoding="utf-8"))
        if os.readlink(tmp / "curated") == live:
            return "stale" in report or report["curated_version"] == os.path.basename(live)


def test_reports_describe_the_published_version_even_when_killed_right_after_the_swap(tmp_path):
    """The run is watched and SIGKILLed the moment curated/ points at a new version: reports/run.json
    then says it is stale (marked just before the swap), or already describes the new version; at
    every moment watched before the kill it did one of the two."""
    import os
    (tmp_path / "raw").mkdir()
    shutil.copy(SAMPLE, tmp_path / "raw" / "a.pdf")
    _run(tmp_path)
    assert _report_describes(tmp_path)
    before = os.readlink(tmp_path / "curated")
    (tmp_path / "raw" / "b.pdf").write_bytes(SAMPLE.read_bytes() + b"\n% another copy\n")
    proc = _run(tmp_path, wait=False)
    deadline = time.monotonic() + 600
    while os.readlink(tmp_path / "curated") == before:
        assert _report_describes(tmp_path) and proc.poll() is None and time.monotonic() < deadline
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert _report_describes(tmp_path)
    _run(tmp_path)
    assert _report_describes(tmp_path)
    import json
    assert "stale" not in json.loads((tmp_path / "reports" / "run.json").read_text(encoding="utf-8"))
