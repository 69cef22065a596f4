"""make bench reports and never fails: its measuring helper and its exit code."""

from __future__ import annotations

import sys

from painreview import cli_bench


def test_measure_returns_time_peak_memory_and_no_problem():
    seconds, peak, problem = cli_bench.measure([sys.executable, "-c", "x = bytearray(50_000_000)"])
    assert problem == "" and seconds > 0
    assert peak > 50_000_000  # the child's own maximum resident set


def test_measure_names_a_failure_instead_of_raising():
    _, _, problem = cli_bench.measure([sys.executable, "-c", "import sys; sys.exit('broken')"])
    assert problem.startswith("exit 1") and "broken" in problem


def test_bench_exits_0_when_every_measurement_fails(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(cli_bench, "measure", lambda cmd, cwd=None: (None, None, "stopped"))
    monkeypatch.setattr(cli_bench.subprocess, "run", lambda *a, **k: None)

    class Args:
        quick, data, out = True, "data/synthetic", str(tmp_path / "b.md")

    assert cli_bench.run(Args()) == 0
    out = capsys.readouterr().out
    assert "make all | <= 3 x floor | —" in out and not (tmp_path / "b.md").exists()
