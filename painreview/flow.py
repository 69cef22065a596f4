"""Participant flow (paper Figure 1) from ``invitations.csv``.

Counts follow the flow chart's boxes: approached → contact successful → attended an
information session → enrolled, with the side boxes contact unsuccessful, did not
attend (of those contacted), did not wish to enrol (of those who attended) and the
reasons for not enrolling (every reason of the vocabulary, zeros included).
"""

from __future__ import annotations

import pandas as pd

from painreview.reference import labels, read_reference, vocabulary

REASON_PREFIX = "non_enrolment_"


def _flag(frame: pd.DataFrame, column: str) -> pd.Series:
    """A yes/no column as plain bool (missing counts as no; validation forbids missing)."""
    return frame[column].astype("boolean").fillna(False).astype(bool)


def participant_flow(invitations: pd.DataFrame) -> pd.DataFrame:
    """DataFrame[key, label, n]: the counts of Figure 1, in flow-chart order."""
    contacted = _flag(invitations, "contact_successful")
    attended = _flag(invitations, "attended_info_session")
    enrolled = _flag(invitations, "enrolled")
    counts = {
        "invited": len(invitations),
        "contact_successful": int(contacted.sum()),
        "contact_unsuccessful": int((~contacted).sum()),
        "attended_info_session": int(attended.sum()),
        "did_not_attend_info_session": int((contacted & ~attended).sum()),
        "enrolled": int(enrolled.sum()),
        "did_not_enrol": int((attended & ~enrolled).sum()),
    }
    rows = read_reference("flow_rows.csv")
    row_labels = dict(zip(rows["key"], rows["label"]))
    records = [(key, row_labels[key], n) for key, n in counts.items()]
    reason_labels = labels("non_enrolment_reason")
    reasons = invitations["non_enrolment_reason"]
    for reason in vocabulary("non_enrolment_reason"):
        records.append((REASON_PREFIX + reason, reason_labels[reason], int((reasons == reason).sum())))
    out = pd.DataFrame.from_records(records, columns=["key", "label", "n"])
    out["n"] = out["n"].astype("int64")
    return out
