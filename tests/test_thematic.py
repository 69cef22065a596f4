"""Thematic tallies by theme, code and role."""

from hypothesis import given, settings
from hypothesis import strategies as st

from painreview.dataset import frames_from_records
from painreview.thematic import COLUMNS, thematic_tallies

ROLES = ["service_user", "project_worker", "manager", "gp", "all"]
CODEBOOK = [("theme_a", "Theme A", "a1", "Code a1"), ("theme_a", "Theme A", "a2", "Code a2"), ("theme_b", "Theme B", "b1", "Code b1")]
INTERVIEWS = [("P1", "service_user"), ("P2", "service_user"), ("P3", "gp"), ("P4", "manager")]


def frames(segments):
    f = frames_from_records(
        {
            "interviews": [{"participant_id": p, "role": r, "mode": "telephone"} for p, r in INTERVIEWS],
            "codebook": [dict(zip(["theme", "theme_label", "code", "code_label"], c)) for c in CODEBOOK],
            "coded_segments": [{"segment_id": f"s{i}", "participant_id": p, "code": c} for i, (p, c) in enumerate(segments)],
        }
    )
    return f["interviews"], f["codebook"], f["coded_segments"]


def test_tallies_hand_worked():
    # P1: a1 twice and a2 once; P2: a2; P3 (GP): a1; nobody has b1; P4 has no segment
    out = thematic_tallies(*frames([("P1", "a1"), ("P1", "a1"), ("P2", "a2"), ("P3", "a1"), ("P1", "a2")]))
    assert list(out.columns) == COLUMNS
    got = {(t, c, r): (p, s) for t, c, r, p, s in out.itertuples(index=False, name=None)}
    assert list(got) == [(t, c, r) for t, c in [("theme_a", ""), ("theme_a", "a1"), ("theme_a", "a2"), ("theme_b", ""), ("theme_b", "b1")] for r in ROLES]
    # theme A: service users P1, P2 (segments 2 + 1 + 1 = 4), GP P3 (1): 3 participants, 5 segments
    assert [got[("theme_a", "", r)] for r in ROLES] == [(2, 4), (0, 0), (0, 0), (1, 1), (3, 5)]
    assert [got[("theme_a", "a1", r)] for r in ROLES] == [(1, 2), (0, 0), (0, 0), (1, 1), (2, 3)]
    assert [got[("theme_a", "a2", r)] for r in ROLES] == [(2, 2), (0, 0), (0, 0), (0, 0), (2, 2)]
    # a code nobody got is kept, with zeros
    assert all(got[("theme_b", c, r)] == (0, 0) for c in ("", "b1") for r in ROLES)


segment_lists = st.lists(st.tuples(st.sampled_from([p for p, _ in INTERVIEWS]), st.sampled_from([c for *_, c, _ in CODEBOOK])), max_size=25)


@settings(max_examples=20, deadline=None)
@given(segment_lists)
def test_theme_rows_bound_code_rows(segments):
    out = thematic_tallies(*frames(segments))
    assert len(out) == 25
    for (theme, role), group in out.groupby(["theme", "role"]):
        theme_row = group[group["code"] == ""].iloc[0]
        codes = group[group["code"] != ""]
        assert theme_row["segments"] == codes["segments"].sum()
        assert codes["participants"].max() <= theme_row["participants"] <= codes["participants"].sum()
    for (theme, code), group in out.groupby(["theme", "code"]):
        by_role = dict(zip(group["role"], zip(group["participants"], group["segments"])))
        assert by_role["all"][1] == sum(by_role[r][1] for r in ROLES[:-1])
        assert by_role["all"][0] == sum(by_role[r][0] for r in ROLES[:-1])  # each participant has one role
