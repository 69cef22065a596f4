"""Safe runs end to end, through make and the driver (issue: safe runs, items 1-3; messy
exports, item 6; scale and speed, item 4): paths with spaces and quotes, an OUT holding
the user's files, ``make tables SDC=on``, failed, killed and concurrent runs, the guard
from papermill, staleness by content, the settings recorded."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from painreview import guard
from painreview.paths import REPO

MINI = REPO / "tests" / "data" / "mini"
PY = REPO / ".venv" / "bin" / "python"

pytestmark = pytest.mark.skipif(shutil.which("make") is None or not (REPO / ".venv" / ".installed").exists(),
                                reason="needs make and the project's .venv (make test builds it)")


def clean_env() -> dict[str, str]:
    drop = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "DATA", "OUT", "CONVERSION", "SDC", "JOBS")
    return {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("PAINREVIEW_")}


def make(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", "-C", str(REPO), *args], cwd=cwd, env=clean_env(),
                          capture_output=True, text=True, timeout=900)


def driver(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([str(PY), "-m", "painreview", "run", *args], cwd=REPO, env=clean_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, **kw)


def snapshot(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def repo_status() -> str:
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=REPO,
                          capture_output=True, text=True).stdout


def broken_copy(tmp_path: Path) -> Path:
    data = tmp_path / "broken export"
    shutil.copytree(MINI, data)
    (data / "service_users.csv").write_text((data / "service_users.csv").read_text().replace(",female,", ",Female,", 1))
    return data


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """``make all`` of a copy of the mini dataset into ``OUT=<tmp>/results 2026``, where the
    user already has an unrelated file ``<tmp>/results``."""
    base = tmp_path_factory.mktemp("finished")
    data = base / "export"
    shutil.copytree(MINI, data)
    (base / "results").write_text("the user's unrelated file\n")
    before = repo_status()
    done = make("all", f"DATA={data}", f"OUT={base / 'results 2026'}")
    assert done.returncode == 0, done.stderr[-3000:]
    assert repo_status() == before
    return base, data, base / "results 2026"


def test_an_out_with_a_space_is_one_folder_and_the_users_file_beside_it_is_untouched(finished):
    base, _data, out = finished
    assert (base / "results").read_text() == "the user's unrelated file\n"
    assert not (REPO / "2026").exists() and not (base / "2026").exists()
    assert {p.name for p in out.iterdir()} == {"tables", "figures", "notebooks", "report.html", "manifest.json",
                                               guard.MARKER}
    assert {p.name for p in (out / "tables").iterdir()} >= {"table1.csv", "table2.csv", "outcomes.csv", "results.csv",
                                                            "thematic_tallies.csv", "audit.csv"}
    assert {p.name for p in (out / "figures").iterdir()} == {
        f"{stem}.{ext}" for stem in ("figure1_flow", "figure2_dose", "figure3_outcomes_higher_better",
                                     "figure4_outcomes_lower_better", "estimates_forest") for ext in ("png", "svg")}
    assert sorted(p.name for p in (out / "notebooks").iterdir()) == sorted(
        p.name for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_the_manifest_lists_only_what_the_run_wrote_and_records_the_settings(finished):
    _base, _data, out = finished
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["run"]["data_dir"] == "export" and manifest["run"]["sdc"] == "off"
    assert manifest["run"]["conversion"]["name"] == "opioids_aware"
    on_disk = {p.relative_to(out).as_posix() for sub in ("tables", "figures", "notebooks")
               for p in (out / sub).iterdir()}
    assert set(manifest["outputs"]) == on_disk
    report = (out / "report.html").read_text()
    assert "Disclosure control (SDC)" in report and "off: unprotected" in report
    assert str(_data) not in report and str(_data) not in "".join(
        p.read_text() for p in (out / "notebooks").iterdir())


def test_nothing_to_do_is_said_without_importing_pandas(finished):
    _base, data, out = finished
    done = subprocess.run([str(PY), "-X", "importtime", "-m", "painreview", "run", "--data", str(data),
                           "--out", str(out)], cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip().endswith("up to date")
    assert " pandas\n" not in done.stderr and "| pandas" not in done.stderr


def test_a_quote_in_out_is_never_executed(tmp_path):
    for cwd in (REPO, tmp_path):
        done = make("tables", f"DATA={broken_copy(tmp_path)}", "OUT=/dev/null';touch PWNED;echo '", cwd=cwd)
        assert done.returncode != 0 and "Female" in done.stderr and "no tables written" in done.stderr
        assert not (cwd / "PWNED").exists() and not (REPO / "PWNED").exists()
        shutil.rmtree(tmp_path / "broken export")
    out = tmp_path / "a';touch PWNED;echo '"
    done = make("tables", f"DATA={MINI}", f"OUT={out}")
    assert done.returncode == 0, done.stderr
    assert (out / "tables" / "table1.csv").is_file() and not (REPO / "PWNED").exists()


def test_a_dollar_that_make_would_expand_is_refused_in_one_line(tmp_path):
    done = make("tables", f"DATA={MINI}", f"OUT={tmp_path}/a$HOME b")
    assert done.returncode != 0 and done.stderr.startswith("OUT: ") and "which make expands" in done.stderr
    assert list(tmp_path.iterdir()) == []
    env = dict(clean_env(), OUT=f"{tmp_path}/a$HOME b", DATA=str(MINI))  # from the environment: taken as it is
    done = subprocess.run(["make", "--no-print-directory", "-C", str(REPO), "tables"], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "a$HOME b" / "tables" / "table1.csv").is_file()


@pytest.mark.parametrize("setting, line", [
    ("SDC=yes", "SDC: 'yes' is not allowed; allowed values: on, off"),
    ("CONVERSION=cdc", "CONVERSION: 'cdc' is not a conversion table; allowed values: cdc_2022, opioids_aware"),
])
@pytest.mark.parametrize("target", ["all", "tables"])
def test_a_bad_setting_stops_make_at_once_in_one_line_and_writes_nothing(tmp_path, target, setting, line):
    out = tmp_path / "out"
    done = make(target, f"DATA={MINI}", f"OUT={out}", setting)
    assert done.returncode != 0
    assert done.stderr.splitlines()[0] == line and "Traceback" not in done.stderr
    assert not out.exists()


def test_make_all_refuses_an_out_holding_the_users_files(tmp_path):
    out = tmp_path / "mine"
    for rel in ("notebooks/01_flow.ipynb", "tables/table1.csv", "report.html", "manifest.json",
                "tables/linkage_key_DO_NOT_SHARE.csv", "notebooks/my_analysis.ipynb"):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(f"the user's own {rel}\n")
    before = snapshot(out)
    done = make("all", f"DATA={MINI}", f"OUT={out}")
    assert done.returncode != 0 and "painreview did not write" in done.stderr
    assert snapshot(out) == before


def test_make_tables_sdc_on_writes_the_protected_tables(tmp_path):
    from painreview.dataset import load_dataset
    from painreview.outputs import released
    from painreview.pipeline import build_tables, table_texts

    out = tmp_path / "out"
    done = make("tables", f"DATA={MINI}", f"OUT={out}", "SDC=on")
    assert done.returncode == 0, done.stderr
    expected = table_texts(released(build_tables(load_dataset(MINI)), "on"))
    assert {name: (out / "tables" / name).read_text() for name in expected} == expected
    assert expected != table_texts(build_tables(load_dataset(MINI)))
    from painreview.sdc_scan import scan_release

    assert scan_release(out, MINI) == []


def test_a_failed_sdc_run_leaves_the_previous_outputs_exactly_as_they_were(finished, tmp_path):
    _base, _data, out = finished
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    before = snapshot(copy)
    done = make("all", f"DATA={broken_copy(tmp_path)}", f"OUT={copy}", "SDC=on")
    assert done.returncode != 0 and "Female" in done.stderr
    assert snapshot(copy) == before


def wait_for(predicate, timeout: float = 300) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.2)


def running_kernels_of(pid: int) -> bool:
    done = subprocess.run(["pgrep", "-f", "-P", str(pid), "ipykernel"], capture_output=True, text=True)
    return bool(done.stdout.strip())


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_run_leaves_out_exactly_as_it_was(finished, tmp_path, how):
    _base, data, out = finished
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    before = snapshot(copy)
    run = driver("--data", str(data), "--out", str(copy), "--sdc", "on")
    wait_for(lambda: running_kernels_of(run.pid) or run.poll() is not None)
    time.sleep(2)
    assert run.poll() is None, run.communicate()
    if how == signal.SIGKILL:
        os.killpg(run.pid, how)
    else:
        run.send_signal(how)
    run.communicate(timeout=120)
    assert run.returncode != 0
    assert snapshot(copy) == before


def test_two_runs_into_one_out_at_once_the_second_is_refused(finished, tmp_path):
    _base, data, _out = finished
    out = tmp_path / "out"
    first = driver("--data", str(data), "--out", str(out), "--sdc", "on")
    lock = guard.lock_path(out)
    wait_for(lambda: (lock.is_file() and lock.read_text().strip() == str(first.pid)) or first.poll() is not None)
    second = driver("--data", str(data), "--out", str(out), "--sdc", "off")
    _, err = second.communicate(timeout=120)
    assert second.returncode == 2 and "is being written by another run" in err, err
    _, err = first.communicate(timeout=900)
    assert first.returncode == 0, err[-3000:]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["run"]["sdc"] == "on"
    assert "on: counts protected" in (out / "report.html").read_text()
    from painreview.dataset import load_dataset
    from painreview.outputs import released
    from painreview.pipeline import build_tables, table_texts

    protected = table_texts(released(build_tables(load_dataset(data)), "on"))
    for name in ("table1.csv", "table2.csv", "results.csv", "table1.md"):
        assert (out / "tables" / name).read_text() == protected[name], name
    from painreview.sdc_scan import scan_release

    # every file the SDC=on run wrote (tables, figure SVGs, notebooks, report, manifest): no
    # count 1-7 or off a multiple of 5, no minimum or maximum, no patient id or data date
    assert scan_release(out, data) == []


def test_staleness_is_by_content_not_mtime_and_a_deleted_file_fails_validation(finished, tmp_path):
    from painreview.cli_run import stamps, up_to_date
    from painreview.settings import parse_settings

    _base, data, out = finished
    copy_data, copy_out = tmp_path / "export", tmp_path / "out"
    shutil.copytree(data, copy_data)
    shutil.copytree(out, copy_out)
    settings = parse_settings(data=copy_data, out=copy_out)
    assert up_to_date(settings, stamps(settings))
    target = copy_data / "questionnaires.csv"
    old = target.stat().st_mtime - 86400
    target.write_text(target.read_text().replace("\n", "\r\n"))  # other bytes, an older mtime
    os.utime(target, (old, old))
    assert not up_to_date(settings, stamps(settings))
    shutil.copy2(data / "questionnaires.csv", target)
    assert up_to_date(settings, stamps(settings))
    (copy_data / "appointments.csv").unlink()
    before = snapshot(copy_out)
    done = make("all", f"DATA={copy_data}", f"OUT={copy_out}")
    assert done.returncode != 0 and "appointments.csv" in done.stderr
    assert snapshot(copy_out) == before


@pytest.mark.parametrize("case", ["repository", "users files"])
def test_a_notebook_run_by_papermill_is_guarded_too(tmp_path, case):
    data = tmp_path / "export"
    shutil.copytree(MINI, data)
    if case == "repository":
        out, watched = REPO, REPO / "tables"
    else:
        out = watched = tmp_path / "mine"
        (out / "tables").mkdir(parents=True)
        (out / "tables" / "table1.csv").write_text("the user's own table\n")
    before = snapshot(watched)
    done = subprocess.run([str(REPO / ".venv" / "bin" / "papermill"), "--log-level", "ERROR",
                           "notebooks/02_table1.ipynb", str(tmp_path / "run.ipynb"),
                           "-p", "data_dir", str(data), "-p", "out_dir", str(out)],
                          cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode != 0
    assert "Refused" in done.stderr
    assert snapshot(watched) == before


def test_a_command_that_changes_nothing_keeps_the_run_up_to_date(finished, tmp_path):
    from painreview.__main__ import main
    from painreview.cli_run import stamps, up_to_date
    from painreview.settings import parse_settings

    _base, data, out = finished
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    settings = parse_settings(data=data, out=copy)
    assert main(["audit", str(copy), "--data", str(data)]) == 0
    assert up_to_date(settings, stamps(settings))
    (copy / "tables" / "audit.csv").unlink()  # an output gone: the run is stale again
    assert not up_to_date(settings, stamps(settings))
