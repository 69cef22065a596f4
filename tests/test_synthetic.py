"""The synthetic dataset: its building blocks, and that every seed reproduces the paper.

The reproduction tests run the package's own analysis (validate_dataset, load_dataset,
pipeline.build_tables) on seeds 0–9 and compare every row of
painreview/data/published.csv, at the printed rounding, independently of audit.py.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from painreview import synthetic as syn
from painreview.reference import FILES, read_reference
from painreview.stats import stata_percentiles

REPO = Path(__file__).resolve().parents[1]
COMMITTED = REPO / "data" / "synthetic"
SEEDS = (*range(10), syn.DEFAULT_SEED)  # the default seed is checked on the committed files


# --------------------------------------------------------------------------- building blocks


def test_stata_positions_by_hand():
    # Stata [R] summarize: P = n·p/100; integer P → mean of x(P), x(P+1); else x(ceil(P)).
    # n = 34: 8.5 → x(9); 17 → x(17), x(18); 25.5 → x(26).
    assert [syn.stata_positions(34, p) for p in (25, 50, 75)] == [(9,), (17, 18), (26,)]
    # n = 17: 4.25 → x(5); 8.5 → x(9); 12.75 → x(13).
    assert [syn.stata_positions(17, p) for p in (25, 50, 75)] == [(5,), (9,), (13,)]
    # n = 28: 7 → x(7), x(8); 14 → x(14), x(15); 21 → x(21), x(22).
    assert [syn.stata_positions(28, p) for p in (25, 50, 75)] == [(7, 8), (14, 15), (21, 22)]
    # n = 22: 5.5 → x(6); 11 → x(11), x(12); 16.5 → x(17).
    assert [syn.stata_positions(22, p) for p in (25, 50, 75)] == [(6,), (11, 12), (17,)]


def test_rounding_days_by_hand():
    # 7.7 months at 1 decimal, 0.002 months from either edge: [7.652, 7.748] × 30.4375 days
    # = [232.91, 235.83] → 233 (7.6550), 234 (7.6879), 235 (7.7207); 236 is 7.7536.
    assert syn.rounding_days(7.7, 1) == [233.0, 234.0, 235.0]
    # 1.1: [1.052, 1.148] → 33 (1.0842), 34 (1.1170); 32 is 1.0513, 35 is 1.1499 (too near 1.15).
    assert syn.rounding_days(1.1, 1) == [33.0, 34.0]


def test_range_ends():
    r = syn.Range(120, 240, lo_open=True)
    assert 120 not in r and 120.000001 in r and 240 in r
    assert 240 not in syn.Range(0, 240, hi_open=True)
    assert 60 in syn.Range(60, 60)


anchor_values = st.lists(st.integers(0, 10), min_size=3, max_size=3).map(sorted)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(5, 40), tens=anchor_values, seed=st.integers(0, 2**32 - 1))
def test_anchored_sample_hits_stata_percentiles(n, tens, seed):
    # Invariant: whatever the draws, the sorted sample's Stata p25/p50/p75 are the anchors.
    rng = np.random.Generator(np.random.PCG64(seed))
    targets = [10.0 * t for t in tens]
    values, fixed = syn.anchored_sample(rng, n, [(25, [targets[0]]), (50, [targets[1]]), (75, [targets[2]])], 0, 100, 10)
    assert list(values) == sorted(values)
    assert all(v % 10 == 0 and 0 <= v <= 100 for v in values)
    assert stata_percentiles(values) == tuple(targets)
    assert fixed.sum() == sum(len(syn.stata_positions(n, p)) for p in (25, 50, 75))


def test_anchored_sample_refuses_overlapping_order_statistics():
    # n = 4: p25 is (x(1)+x(2))/2, p50 (x(2)+x(3))/2, p75 (x(3)+x(4))/2: they share values.
    rng = np.random.Generator(np.random.PCG64(0))
    with pytest.raises(ValueError, match="overlap"):
        syn.anchored_sample(rng, 4, [(25, [0.0]), (50, [1.0]), (75, [2.0])], 0, 10)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(5, 30), seed=st.integers(0, 2**32 - 1), where=st.floats(0, 1))
def test_adjust_total_keeps_percentiles(n, seed, where):
    # Invariant: moving free values to reach a total never moves an anchored percentile.
    rng = np.random.Generator(np.random.PCG64(seed))
    values, fixed = syn.anchored_sample(rng, n, [(25, [4.0]), (50, [9.0]), (75, [15.0])], 0, 30)
    before = stata_percentiles(values)
    lows = sum(values[j] if fixed[j] else syn._segment_bounds(values, fixed, j, 0, 30)[0] for j in range(n))
    highs = sum(values[j] if fixed[j] else syn._segment_bounds(values, fixed, j, 0, 30)[1] for j in range(n))
    target = float(round(lows + where * (highs - lows)))
    syn.adjust_total(rng, [(values, fixed, 0, 30)], target)
    assert values.sum() == target
    assert list(values) == sorted(values)
    assert stata_percentiles(values) == before


def _targets():
    return syn.published_targets()


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_dose_slot_design_gives_the_published_doses(data):
    # Invariant of the design, whatever dose each slot takes inside its ranges: Stata
    # quartiles 60/90/240 → 30/72/160, 15 reduced (3 to zero), 19 unchanged, 14 above 120
    # of whom 4 end below 120 (published.csv).
    targets = _targets()

    def point(r: syn.Range, below: float = math.inf) -> float:
        hi = r.hi if math.isfinite(r.hi) else r.lo + 500
        candidates = [r.lo, r.lo + 0.25 * (hi - r.lo), (r.lo + hi) / 2, hi]
        return data.draw(st.sampled_from([c for c in candidates if c in r and c < below]))

    base, follow = [], []
    for slot in syn.dose_slots(targets):
        x = point(slot.baseline)
        y = {"same": x, "stop": 0.0}.get(slot.change)
        if y is None:
            y = point(slot.follow_up, below=x)
        base.append(x)
        follow.append(y)
    b, f = np.array(base), np.array(follow)
    value = {k: v for k, (v, _) in targets.items()}
    assert stata_percentiles(b) == (value["dose_baseline_p25"], value["dose_baseline_median"], value["dose_baseline_p75"])
    assert stata_percentiles(f) == (value["dose_follow_up_p25"], value["dose_follow_up_median"], value["dose_follow_up_p75"])
    assert (f < b).sum() == value["dose_reduced_n"] and (f == 0).sum() == value["dose_stopped_n"]
    assert (f == b).sum() == value["dose_unchanged_n"] and (f > b).sum() == 0
    assert (b > 120).sum() == value["dose_above_120_paired_n"]  # every one has a follow-up
    assert ((b > 120) & (f < 120)).sum() == value["dose_above_120_to_below_n"]


def test_dose_slots_give_the_published_drug_counts():
    # Table 2: codeine 17, tramadol 10, morphine 9, oxycodone family 7, fentanyl 5,
    # buprenorphine 3, methadone 1; 16 on two or more drugs.
    slots = syn.dose_slots(_targets())
    count = {f: sum(f in s.families for s in slots) for f in
             ("codeine", "tramadol", "morphine", "oxy", "fentanyl", "buprenorphine", "methadone")}
    assert count == {"codeine": 17, "tramadol": 10, "morphine": 9, "oxy": 7, "fentanyl": 5,
                     "buprenorphine": 3, "methadone": 1}
    assert sum(len(s.families) > 1 for s in slots) == 16


def test_items_summing_adds_up_within_range():
    # 30 points over 17 COMM items of 0–4: every item in range, total exact.
    rng = np.random.Generator(np.random.PCG64(1))
    values = syn._items_summing(rng, 30, 17, 0, 4, np.ones(17))
    assert sum(values) == 30 and all(0 <= v <= 4 for v in values)
    values = syn._items_summing(rng, 70, 14, 1, 5, np.arange(1, 15.0))  # WEMWBS maximum
    assert values == [5] * 14


def test_codebook_document_matches_the_design():
    text = (COMMITTED / "CODEBOOK.md").read_text(encoding="utf-8")
    assert syn.codebook_markdown() in text


def test_readme_names_the_default_seed():
    text = (COMMITTED / "README.md").read_text(encoding="utf-8")
    assert f"--seed {syn.DEFAULT_SEED}" in text
    assert "synthetic" in text.lower() and "not patient data" in text.lower()
    # Its table of files states each file's data rows.
    for name, rows in re.findall(r"^\| `(\w+)\.csv` \| (\d+) \|", text, flags=re.M):
        lines = (COMMITTED / f"{name}.csv").read_text(encoding="utf-8").count("\n")
        assert int(rows) == lines - 1, name
    assert len(re.findall(r"^\| `(\w+)\.csv` \|", text, flags=re.M)) == len(FILES)


# --------------------------------------------------------------------------- bytes


def test_committed_dataset_is_what_the_default_seed_writes(tmp_path):
    paths = syn.write_dataset(syn.synthesize(syn.DEFAULT_SEED), tmp_path)
    assert [p.name for p in paths] == [f"{name}.csv" for name in FILES]
    for path in paths:
        assert path.read_bytes() == (COMMITTED / path.name).read_bytes(), path.name
    assert b"\r" not in paths[0].read_bytes()


def test_seed_varies_only_unpublished_detail():
    a, b = syn.synthesize(0), syn.synthesize(1)
    for name in ("invitations", "prescriptions", "questionnaires", "appointments", "coded_segments"):
        assert not a[name].equals(b[name]), name
    assert a["codebook"].equals(b["codebook"])  # the coding frame is the paper's, not the seed's


def test_cli_writes_the_seed_it_is_given(tmp_path):
    from painreview.__main__ import main

    assert main(["synthesize", "--seed", "5", "--out", str(tmp_path / "a")]) == 0
    syn.write_dataset(syn.synthesize(5), tmp_path / "b")
    for name in FILES:
        assert (tmp_path / "a" / f"{name}.csv").read_bytes() == (tmp_path / "b" / f"{name}.csv").read_bytes()
    with pytest.raises(SystemExit) as exc:
        main(["synthesize", "--seed", "-1", "--out", str(tmp_path / "c")])
    assert exc.value.code == 2


def test_cli_help_states_the_default_seed():
    import argparse

    from painreview import cli_synthesize

    parser = argparse.ArgumentParser()
    cli_synthesize.add_arguments(parser)
    assert f"default: {syn.DEFAULT_SEED}" in " ".join(parser.format_help().split())
    assert parser.parse_args(["--out", "x"]).seed is None  # run() then uses DEFAULT_SEED


# --------------------------------------------------------------------------- seeds 0-9 through the pipeline


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """seed → (folder, typed frames, tables) for seeds 0–9, through the package's analysis."""
    from painreview.dataset import load_dataset
    from painreview.pipeline import build_tables
    from painreview.validate import validate_dataset

    out = {}
    for seed in SEEDS:
        if seed == syn.DEFAULT_SEED:
            folder = COMMITTED
        else:
            folder = tmp_path_factory.mktemp(f"seed{seed}")
            syn.write_dataset(syn.synthesize(seed), folder)
        problems = validate_dataset(folder)
        assert problems == [], f"seed {seed}: " + "; ".join(str(p) for p in problems[:5])
        frames = load_dataset(folder)
        out[seed] = (folder, frames, build_tables(frames))
    return out


def _reproduced(tables: dict[str, pd.DataFrame]) -> dict[str, float]:
    values = {}
    for name in ("table1", "table2"):
        for rec in tables[name].to_dict("records"):
            level = "" if rec["level"] is None or pd.isna(rec["level"]) else rec["level"]
            for field in ("n", "N", "percent", "mean", "sd", "median", "p25", "p75", "diagnosed"):
                v = rec.get(field)
                if v is not None and not pd.isna(v):
                    values[f"{name}.{rec['variable']}.{level}.{field}"] = float(v)
    for key, v in zip(tables["results"]["key"], tables["results"]["value"]):
        values[key] = float(v)
    return values


def _printed(text: str) -> Fraction:
    return Fraction(Decimal(text))


def _rounds_to(x: float, printed: str, decimals: int) -> bool:
    # Half away from zero on the exact decimal of x (Stata's round(); the paper has no halves).
    q = Decimal(repr(x)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return q == Decimal(printed)


@pytest.mark.parametrize("seed", SEEDS)
def test_every_published_number_is_reproduced(runs, seed):
    values = _reproduced(runs[seed][2])
    pub = read_reference("published.csv")
    first = {}
    for key, text, note in zip(pub["key"], pub["published"], pub["note"]):
        if "bound" not in note and "slip" not in note:
            first.setdefault(key, _printed(text))
    failures = []
    for key, text, decimals, num, den, note in zip(
        pub["key"], pub["published"], pub["decimals"], pub["numerator"], pub["denominator"], pub["note"]
    ):
        if key not in values:
            failures.append(f"{key}: not reproduced")
            continue
        x = values[key]
        if "upper bound" in note:
            ok = x < float(text)
        elif "lower bound" in note:
            ok = x > float(text)
        elif "slip" in note:
            # The paper's slip: the data reproduce the printed fraction, not the printed percentage.
            ok = math.isclose(x, float(100 * first[num] / first[den]), rel_tol=1e-12)
        else:
            ok = _rounds_to(x, text, int(decimals))
        if not ok:
            failures.append(f"{key} = {x!r}, printed {text} ({note})")
    assert failures == []


@pytest.mark.parametrize("seed", SEEDS)
def test_thematic_tallies_honour_the_wording(runs, seed):
    frames, tables = runs[seed][1], runs[seed][2]
    tallies = tables["thematic_tallies"]
    got = {(c, r): p for c, r, p in zip(tallies["code"], tallies["role"], tallies["participants"])}
    interviewed = frames["interviews"]["role"].value_counts()
    for code in syn.CODES:
        allowed = {role: (lo, hi) for role, lo, hi in code.counts}
        for role in ("service_user", "project_worker", "manager", "gp"):
            lo, hi = allowed.get(role, (0, 0))
            if lo == syn.ALL:
                lo = hi = interviewed[role]
            assert lo <= got[(code.code, role)] <= hi, (code.code, role)
        segments = frames["coded_segments"]
        coded = set(segments.loc[segments["code"] == code.code, "participant_id"])
        assert set(code.required) <= coded, code.code
    roles = dict(zip(frames["interviews"]["participant_id"], frames["interviews"]["role"]))
    assert [roles[p] for p in ("P1", "P8", "P12", "P19")] == ["service_user"] * 3 + ["gp"]


@pytest.mark.parametrize("seed", SEEDS)
def test_data_look_like_a_real_export(runs, seed):
    frames = runs[seed][1]
    inv, su, ap = frames["invitations"], frames["service_users"], frames["appointments"]
    # Study calendar (paper, Method): invitations September 2016 to December 2017,
    # visits until February 2018; enrolment after invitation, appointments after enrolment.
    assert inv["invited_on"].between("2016-09-01", "2017-12-31").all()
    assert ap["date"].between("2016-09-01", "2018-02-28").all()
    merged = su.merge(inv, on="patient_id")
    assert (merged["enrolled_on"] >= merged["invited_on"]).all()
    visits = ap.merge(su, on="patient_id")
    assert (visits["date"] >= visits["enrolled_on"]).all()
    assert set(inv["practice"]) == {"A", "B"}
    # Doses: none exactly at the 120 mg/day line; no drug's dose rises at follow-up.
    from painreview.mme import conversion_table, patient_doses

    pr = frames["prescriptions"]
    doses = patient_doses(pr, conversion_table())
    assert not (doses["dose_mme"] == 120).any()
    per_drug = pr.groupby(["patient_id", "drug", "timepoint"])["daily_dose"].sum().unstack()
    both = per_drug.dropna()
    assert (both["follow_up"] <= both["baseline"]).all()
    drugs = {tp: set(zip(pr.loc[pr["timepoint"] == tp, "patient_id"], pr.loc[pr["timepoint"] == tp, "drug"]))
             for tp in ("baseline", "follow_up")}
    assert {(p, d) for p, d in drugs["follow_up"] if d != "none"} <= drugs["baseline"]
    # Follow-up questionnaires never for those lost to follow-up.
    lost = set(frames["service_status"].query("discharge_reason == 'lost_to_follow_up'")["patient_id"])
    q = frames["questionnaires"]
    assert not set(q.loc[q["timepoint"] == "follow_up", "patient_id"]) & lost


@pytest.mark.parametrize("seed", SEEDS)
def test_scoring_rules_matter_and_outcomes_improve(runs, seed):
    from painreview.scoring import score_questionnaires

    scores = score_questionnaires(runs[seed][1]["questionnaires"])
    interference = scores[scores["measure"] == "bpi_interference"]
    assert ((interference["items_answered"] == 5) & interference["value"].notna()).sum() == 1  # prorated
    assert ((interference["items_answered"] == 3) & interference["value"].isna()).sum() == 1  # left missing
    for measure in ("comm_total", "wemwbs_total", "bpi_severity"):
        unscored = scores[(scores["measure"] == measure) & scores["value"].isna()]
        assert len(unscored) == 1, measure
    # Figures 3-4: on average most outcomes improve (BPI relief falls slightly, as published).
    out = runs[seed][2]["outcomes"].set_index(["measure", "timepoint"])["mean"]
    better = {"comm_total": -1, "bpi_severity": -1, "bpi_interference": -1, "wemwbs_total": 1,
              "top_psych": 1, "top_physical": 1, "top_qol": 1}
    for measure, sign in better.items():
        assert sign * (out[(measure, "follow_up")] - out[(measure, "baseline")]) > 0, measure


def test_methadone_factor_moves_no_quartile(runs):
    # Opioids Aware gives methadone no fixed ratio: the quartiles hold for factors 3 to 12.
    from painreview.mme import conversion_table, patient_doses

    frames = runs[0][1]
    quartiles = []
    for factor in (3.0, 4.7, 12.0):
        table = conversion_table()
        table.loc[table["drug"] == "methadone", "factor"] = factor
        doses = patient_doses(frames["prescriptions"], table)
        for tp in ("baseline", "follow_up"):
            quartiles.append(stata_percentiles(doses.loc[doses["timepoint"] == tp, "dose_mme"]))
    assert quartiles[0:2] == quartiles[2:4] == quartiles[4:6] == [(60.0, 90.0, 240.0), (30.0, 72.0, 160.0)]


def test_committed_dataset_passes_the_audit(runs):
    # The package's own audit on the committed data: every number matches, except the
    # paper's three slipped percentages, where the data give the printed fractions.
    from painreview.audit import audit, reproduced_values
    from painreview.consistency import check_paper

    published = read_reference("published.csv")
    result = audit(published, reproduced_values(runs[syn.DEFAULT_SEED][2]), check_paper(published))
    assert set(result["status"]) == {"match", "paper_inconsistent"}
    assert sorted(result.loc[result["status"] == "paper_inconsistent", "key"]) == [
        "discharge_benefit_concerns_percent", "discharge_dose_reduced_percent", "discharge_no_time_percent"]
