"""Participant flow (Figure 1)."""

from painreview.dataset import frames_from_records
from painreview.flow import participant_flow

KEYS = [
    "invited",
    "contact_successful",
    "contact_unsuccessful",
    "attended_info_session",
    "did_not_attend_info_session",
    "enrolled",
    "did_not_enrol",
    "non_enrolment_happy_with_dose",
    "non_enrolment_reduce_with_gp",
    "non_enrolment_not_for_me",
    "non_enrolment_died",
    "non_enrolment_no_reason_given",
]


def invitations(rows):
    """(contact, attended, enrolled, reason) tuples -> typed invitations frame."""
    recs = [
        {
            "patient_id": f"I{i:02d}",
            "practice": "A",
            "invited_on": "2017-01-01",
            "contact_successful": c,
            "attended_info_session": a,
            "enrolled": e,
            "non_enrolment_reason": r,
        }
        for i, (c, a, e, r) in enumerate(rows)
    ]
    return frames_from_records({"invitations": recs})["invitations"]


def test_small_flow_hand_worked():
    # 7 invited: 2 never reached; 1 reached but not at the session; 4 attended: 2 enrolled,
    # 2 did not (died, happy with dose); the other three reasons are 0 and still listed
    rows = [
        ("no", "no", "no", None),
        ("no", "no", "no", None),
        ("yes", "no", "no", None),
        ("yes", "yes", "yes", None),
        ("yes", "yes", "yes", None),
        ("yes", "yes", "no", "died"),
        ("yes", "yes", "no", "happy_with_dose"),
    ]
    flow = participant_flow(invitations(rows))
    assert list(flow.columns) == ["key", "label", "n"]
    assert flow["key"].tolist() == KEYS
    assert flow["n"].tolist() == [7, 5, 2, 4, 1, 2, 2, 1, 0, 0, 1, 0]
    labels = dict(zip(flow["key"], flow["label"]))
    assert labels["invited"] == "Approached"
    assert labels["did_not_enrol"] == "Did not wish to enrol"
    assert labels["non_enrolment_died"] == "Client died"


def test_paper_figure_1():
    # Figure 1: 59 approached, 17 not reached, 1 reached but absent, 34 enrolled, 7 declined
    # (happy with dose 3, reduce with GP 1, not for me 1, died 1, no reason 1)
    rows = (
        [("no", "no", "no", None)] * 17
        + [("yes", "no", "no", None)]
        + [("yes", "yes", "yes", None)] * 34
        + [("yes", "yes", "no", r) for r in ["happy_with_dose"] * 3 + ["reduce_with_gp", "not_for_me", "died", "no_reason_given"]]
    )
    flow = participant_flow(invitations(rows))
    assert dict(zip(flow["key"], flow["n"])) == dict(zip(KEYS, [59, 42, 17, 41, 1, 34, 7, 3, 1, 1, 1, 1]))


def test_no_invitations():
    flow = participant_flow(invitations([]))
    assert flow["key"].tolist() == KEYS and flow["n"].tolist() == [0] * len(KEYS)
