"""Settings parsed once, and the one guard every way out goes through (issue: safe runs,
items 1-3): output roots the package owns, files it never touches, one run per OUT, one
commit, and the repository guard on DATA and OUT."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from painreview import guard
from painreview.__main__ import main
from painreview.paths import REPO, SYNTHETIC
from painreview.settings import SettingError, parse_settings, settings_from_env

MINI = REPO / "tests" / "data" / "mini"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too) with its bytes."""
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def user_folder(tmp_path: Path) -> Path:
    """An OUT holding a user's own files under the names a run writes, and others."""
    out = tmp_path / "mine"
    for rel in ("notebooks/01_flow.ipynb", "tables/table1.csv", "report.html", "manifest.json",
                "tables/linkage_key_DO_NOT_SHARE.csv", "notebooks/my_analysis.ipynb"):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(f"the user's own {rel}\n")
    return out


# --- settings ---------------------------------------------------------------------------

@pytest.mark.parametrize("name, value, line", [
    ("sdc", "yes", "SDC: 'yes' is not allowed; allowed values: on, off"),
    ("conversion", "cdc", "CONVERSION: 'cdc' is not a conversion table; allowed values: cdc_2022, opioids_aware"),
    ("jobs", "two", "JOBS: 'two' is not allowed; allowed values: a whole number from 1 to 8"),
])
def test_a_bad_setting_is_one_line_naming_the_setting_and_its_allowed_values(name, value, line):
    with pytest.raises(SettingError) as caught:
        parse_settings(**{name: value})
    assert str(caught.value) == line


def test_data_must_be_a_folder_and_is_shown_resolved(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SettingError, match=f"^DATA: no such folder: {tmp_path / 'export'}$"):
        parse_settings(data="export")
    (tmp_path / "results").write_text("the user's file")
    with pytest.raises(SettingError, match="^OUT: .*results exists and is not a folder"):
        parse_settings(out="results")


def test_paths_from_the_environment_are_taken_whole(tmp_path):
    env = {"DATA": str(SYNTHETIC), "OUT": str(tmp_path / "results 2026"), "SDC": "ON", "CONVERSION": ""}
    settings = settings_from_env(env)
    assert settings.out == tmp_path / "results 2026" and settings.sdc is True
    assert settings.conversion == "opioids_aware"  # empty: the default
    quoted = settings_from_env({"OUT": str(tmp_path / "a';touch PWNED;echo '")})
    assert quoted.out.name == "a';touch PWNED;echo '"
    assert settings.record() == {"data": "synthetic", "conversion": "opioids_aware", "sdc": "on"}


@pytest.mark.parametrize("argv_extra, line", [
    (["--sdc", "yes"], "SDC: 'yes' is not allowed; allowed values: on, off"),
    (["--conversion", "cdc"], "CONVERSION: 'cdc' is not a conversion table; allowed values: cdc_2022, opioids_aware"),
])
@pytest.mark.parametrize("command", ["run", "tables"])
def test_commands_refuse_a_bad_setting_before_anything_runs(tmp_path, capsys, command, argv_extra, line):
    out = tmp_path / "out"
    argv = [command, "--data", str(MINI)] if command == "run" else [command, str(MINI)]
    assert main([*argv, "--out", str(out), *argv_extra]) == 2
    assert capsys.readouterr().err == line + "\n"
    assert not out.exists()


# --- the output root --------------------------------------------------------------------

def test_new_empty_marked_and_repository_roots_are_accepted_anything_else_refused(tmp_path):
    assert guard.out_problem(tmp_path / "new") is None
    (tmp_path / "empty").mkdir()
    assert guard.out_problem(tmp_path / "empty") is None
    assert guard.out_problem(REPO) is None
    problem = guard.out_problem(user_folder(tmp_path))
    assert problem.startswith("OUT: ") and "painreview did not write" in problem


def test_a_command_refuses_an_out_holding_the_users_files_and_touches_nothing(tmp_path, capsys):
    out = user_folder(tmp_path)
    before = snapshot(out)
    assert main(["tables", str(MINI), "--out", str(out)]) == 2
    assert "painreview did not write" in capsys.readouterr().err
    assert snapshot(out) == before


def test_in_an_output_root_of_the_package_the_users_files_are_never_overwritten_or_listed(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["tables", str(MINI), "--out", str(out)]) == 0
    marker = json.loads((out / guard.MARKER).read_text())
    assert sorted(marker["files"]) == sorted(f"tables/{p.name}" for p in (out / "tables").iterdir())
    (out / "tables" / "linkage_key_DO_NOT_SHARE.csv").write_text("id,nhs\n")
    (out / "tables" / "table1.csv").write_text("edited by hand\n")  # no longer what the package wrote
    before = snapshot(out)
    assert main(["tables", str(MINI), "--out", str(out)]) == 2
    assert "table1.csv exists and is not a file painreview wrote" in capsys.readouterr().err
    assert snapshot(out) == before
    (out / "tables" / "table1.csv").unlink()
    assert main(["tables", str(MINI), "--out", str(out)]) == 0
    marker = json.loads((out / guard.MARKER).read_text())
    assert "tables/linkage_key_DO_NOT_SHARE.csv" not in marker["files"]
    assert (out / "tables" / "linkage_key_DO_NOT_SHARE.csv").read_text() == "id,nhs\n"


def test_a_second_run_into_the_same_out_is_refused_while_the_first_holds_it(tmp_path, capsys):
    out = tmp_path / "out"
    with guard.out_lock(out):
        assert main(["tables", str(MINI), "--out", str(out)]) == 2
    assert "is being written by another run" in capsys.readouterr().err
    assert not out.exists()
    assert main(["tables", str(MINI), "--out", str(out)]) == 0  # released


def test_a_failed_transaction_leaves_out_exactly_as_it_was(tmp_path):
    out = tmp_path / "out"
    assert main(["tables", str(MINI), "--out", str(out)]) == 0
    before = snapshot(out)
    settings = parse_settings(data=MINI, out=out)
    with pytest.raises(RuntimeError), guard.transaction(settings) as txn:
        guard.write(txn.target, "tables/table1.csv", "half a run\n")
        raise RuntimeError("a notebook failed")
    assert snapshot(out) == before
    assert not txn.root.exists()  # the staging folder is gone


def test_outputs_of_other_settings_are_replaced_never_mixed(tmp_path):
    out = tmp_path / "out"
    assert main(["tables", str(MINI), "--out", str(out)]) == 0
    guard_settings = parse_settings(data=MINI, out=out, sdc="on")
    with guard.transaction(guard_settings) as txn:
        guard.write(txn.target, "tables/results.csv", "protected\n")
    assert sorted(p.name for p in (out / "tables").iterdir()) == ["results.csv"]


# --- the repository guard ---------------------------------------------------------------

def test_other_data_may_not_write_into_the_repository_from_any_command(tmp_path, capsys):
    data = tmp_path / "export"
    shutil.copytree(MINI, data)
    before = snapshot(REPO / "tables") | snapshot(REPO / "notebooks")
    assert main(["tables", str(data), "--out", str(REPO)]) == 2
    assert main(["run-notebook", "notebooks/02_table1.ipynb", "--data", str(data), "--out", str(REPO)]) == 2
    assert main(["audit", str(REPO), "--data", str(data)]) == 2
    assert main(["report", str(REPO), "--data", str(data)]) == 2
    assert main(["run", "--data", str(data), "--out", str(REPO)]) == 2
    err = capsys.readouterr().err
    assert err.count("refusing to write outputs") == 5
    assert snapshot(REPO / "tables") | snapshot(REPO / "notebooks") == before


def test_the_repository_takes_only_the_committed_runs_settings(tmp_path, capsys):
    assert main(["tables", str(SYNTHETIC), "--out", str(REPO), "--sdc", "on"]) == 2
    assert "the repository holds the committed run" in capsys.readouterr().err


def test_data_inside_the_repository_must_be_ignored_or_already_committed(tmp_path, capsys):
    if subprocess.run(["git", "-C", str(REPO), "rev-parse"], capture_output=True).returncode:
        pytest.skip("not a git checkout")
    mine = REPO / "data" / f"mine-{os.getpid()}"
    shutil.copytree(MINI, mine)
    try:
        assert main(["tables", str(mine), "--out", str(tmp_path / "out")]) == 2
        assert "DATA: " in capsys.readouterr().err and not (tmp_path / "out").exists()
    finally:
        shutil.rmtree(mine)
    private = REPO / "data" / "private" / f"mine-{os.getpid()}"
    shutil.copytree(MINI, private)
    try:
        assert main(["tables", str(private), "--out", str(tmp_path / "out")]) == 0  # git ignores data/private
    finally:
        shutil.rmtree(private)
        with __import__("contextlib").suppress(OSError):
            (REPO / "data" / "private").rmdir()
    assert guard.repository_problem(parse_settings(data=MINI, out=tmp_path / "o")) is None  # tracked as is


# --- every writer goes through the guard -----------------------------------------------

#: Every function of the package that writes files, and why. Those under OUT must be
#: ``guard``'s; the others write elsewhere. A new writer fails this test until it is
#: listed here, after it has been routed through ``guard.write``.
WRITERS = {
    ("guard", "_atomic_write"): "the one low-level writer of OUT's files and marker (via write and _commit)",
    ("guard", "out_lock"): "the lock file, outside OUT in the user's temporary folder",
    ("guard", "lock_path"): "the lock folder, outside OUT",
    ("guard", "transaction"): "the private staging folder and its marker, outside OUT",
    ("guard", "_write_marker"): "OUT's marker, through _atomic_write",
    ("guard", "_sweep_staging"): "staging folders of killed runs, in the temporary folder",
    ("guard", "_commit"): "the commit: staged files into OUT through _atomic_write; the package's own stale files",
    ("notebook_run", "_kernel_chatter_silenced"): "opens /dev/null for the kernels' stderr",
    ("savefig", "save_figure"): "a figure at a path of the caller's; the package writes figures via figure_bytes",
    ("manifest", "write_manifest"): "a manifest at a path of the caller's; runs write it via guard.write",
    ("synthetic", "write_dataset"): "a synthetic dataset (DATA, not OUT), the synthesize command",
    ("cli_bench", "_floor_notebook"): "the benchmark's own notebook in a temporary folder",
    ("cli_bench", "run"): "docs/benchmarks.md and the benchmark's own output roots in a temporary folder",
    ("cli_check_outputs", "run"): "outputs.sha256 in the repository (make hashes), not OUT",
    ("replicate", "replicate_dataset"): "a replicated dataset (DATA, not OUT), the replicate command",
    ("provenance", "write_mark"): "SYNTHETIC.sha256 beside a synthetic dataset (DATA, not OUT), the synthesize command",
}
#: Calls that write a file or a folder: method names that mean only that, ``os``/``shutil``
#: functions by module, ``to_csv``/``to_excel``/``savefig`` given a target, ``open`` to write.
_WRITE_METHODS = {"write_text", "write_bytes", "mkdir", "touch", "symlink_to", "unlink", "rmdir"}
_WRITE_FUNCS = {("os", n) for n in ("replace", "rename", "makedirs", "mkdir", "remove", "unlink", "open", "pwrite")} | \
    {("shutil", n) for n in ("copyfile", "copy", "copy2", "copytree", "move", "rmtree")} | \
    {("tempfile", n) for n in ("mkstemp", "mkdtemp")}
_WRITE_TO_TARGET = {"to_csv", "to_excel", "savefig", "dump"}


def _writes(node: ast.Call) -> bool:
    func = node.func
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else None
        if (owner, func.attr) in _WRITE_FUNCS or func.attr in _WRITE_METHODS:
            return True
        if func.attr in _WRITE_TO_TARGET and (node.args or any(k.arg in ("path_or_buf", "fname") for k in node.keywords)):
            return not (func.attr == "savefig" and node.args and isinstance(node.args[0], ast.Name)
                        and node.args[0].id == "buffer")
    if isinstance(func, ast.Name) and func.id in ("open", "fdopen"):
        mode = next((a.value for a in node.args[1:2] if isinstance(a, ast.Constant)), "r")
        mode = next((k.value.value for k in node.keywords if k.arg == "mode" and isinstance(k.value, ast.Constant)), mode)
        return isinstance(mode, str) and bool(set(mode) & set("wax+"))
    return False


def writers_in(path: Path) -> set[str]:
    """Names of the functions in ``path`` that contain a writing call (nested ones by their own name)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for func in ast.walk(tree):
        if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inner = {id(n) for f in ast.walk(func) if f is not func and isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                     for n in ast.walk(f)}
            if any(isinstance(n, ast.Call) and id(n) not in inner and _writes(n) for n in ast.walk(func)):
                found.add(func.name)
    return found


def test_every_function_that_writes_files_is_the_guards_or_writes_elsewhere():
    found = set()
    for path in sorted((REPO / "painreview").glob("*.py")):
        found |= {(path.stem, name) for name in writers_in(path)}
    assert found == set(WRITERS), "a new function writes files: route it through painreview.guard.write"


def test_every_output_writer_calls_the_guard():
    for module, func in (("outputs", "write_tables"), ("outputs", "write_figure"), ("notebook_run", "execute_notebooks"),
                         ("cli_report", "write_report")):
        tree = ast.parse((REPO / "painreview" / f"{module}.py").read_text())
        (node,) = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == func]
        calls = {(c.func.value.id, c.func.attr) for c in ast.walk(node) if isinstance(c, ast.Call)
                 and isinstance(c.func, ast.Attribute) and isinstance(c.func.value, ast.Name)}
        assert ("guard", "write") in calls, (module, func)


def test_validate_shows_where_a_relative_missing_folder_resolves(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "../data/synthetic"]) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        f"../data/synthetic:0:0: no such folder (resolved: {(tmp_path / '../data/synthetic').resolve()})")


def test_in_the_repository_only_committed_outputs_are_the_packages(tmp_path):
    tracked = guard.repository_outputs()
    if tracked is None:
        pytest.skip("not a git checkout")
    assert "tables/table1.csv" in tracked
    assert guard.owned(REPO, None, "tables/table1.csv", "any")
    assert not guard.owned(REPO, None, "tables/my_own_table.csv", "any")  # named like an output, not committed


def test_a_killed_runs_staging_folder_is_swept_by_the_next_run(tmp_path):
    import tempfile

    dead = subprocess.Popen(["true"])
    dead.wait()
    left = Path(tempfile.mkdtemp(prefix=guard.STAGING_PREFIX))
    (left / guard.STAGING_MARKER).write_text(json.dumps({"pid": dead.pid}))
    with guard.transaction(parse_settings(data=MINI, out=tmp_path / "out")):
        pass
    assert not left.exists()


def test_a_notebooks_stamp_follows_its_code_not_its_outputs(tmp_path):
    from painreview.staleness import notebook_hash

    book = tmp_path / "01_x.ipynb"
    nb = {"cells": [{"cell_type": "code", "source": ["x = 1"], "outputs": [], "metadata": {}}], "metadata": {}}
    book.write_text(json.dumps(nb))
    first = notebook_hash("key", "code", book)
    nb["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["1\n"]}]
    book.write_text(json.dumps(nb))
    assert notebook_hash("key", "code", book) == first  # executed in place: still current
    nb["cells"][0]["source"] = ["x = 2"]
    book.write_text(json.dumps(nb))
    assert notebook_hash("key", "code", book) != first
    assert notebook_hash("other key", "code", book) != notebook_hash("key", "code", book)


def test_the_data_stamp_sees_names_bytes_and_presence_not_mtimes(tmp_path):
    from painreview.staleness import data_hash

    (tmp_path / "a.csv").write_text("x\n1\n")
    first = data_hash(tmp_path)
    os.utime(tmp_path / "a.csv", (0, 0))
    assert data_hash(tmp_path) == first
    (tmp_path / "a.csv").rename(tmp_path / "b.csv")
    assert data_hash(tmp_path) != first
    (tmp_path / "b.csv").rename(tmp_path / "a.csv")
    (tmp_path / "extra.csv").write_text("")
    assert data_hash(tmp_path) != first
    (tmp_path / "extra.csv").unlink()
    assert data_hash(tmp_path) == first
