"""Tallies of the thematic coding (output ``thematic_tallies.csv``).

For every theme of the codebook (codebook order) a theme row (``code`` empty: the
participants coded anywhere in the theme, and all its segments), then one row per code
(codebook order); each for the roles of the vocabulary and ``all``. A code or role with
no coded segment is kept with 0, so the table's shape depends on the codebook alone.
"""

from __future__ import annotations

import pandas as pd

from painreview.reference import vocabulary

ALL = "all"
COLUMNS = ["theme", "code", "role", "participants", "segments"]


def thematic_tallies(interviews: pd.DataFrame, codebook: pd.DataFrame, coded_segments: pd.DataFrame) -> pd.DataFrame:
    """DataFrame[theme, code, role, participants, segments]: distinct participants with at
    least one segment, and segments, per theme/code and role."""
    role_of = dict(zip(interviews["participant_id"], interviews["role"]))
    theme_of = dict(zip(codebook["code"], codebook["theme"]))
    segs = coded_segments[["participant_id", "code"]].copy()
    segs["role"] = segs["participant_id"].map(role_of)
    segs["theme"] = segs["code"].map(theme_of)
    roles = [*vocabulary("role"), ALL]
    themes = list(dict.fromkeys(codebook["theme"]))
    records = []

    def tally(theme: str, code: str, selected: pd.DataFrame) -> None:
        for role in roles:
            sub = selected if role == ALL else selected[selected["role"] == role]
            records.append((theme, code, role, int(sub["participant_id"].nunique()), len(sub)))

    for theme in themes:
        tally(theme, "", segs[segs["theme"] == theme])
        for code in codebook.loc[codebook["theme"] == theme, "code"]:
            tally(theme, code, segs[segs["code"] == code])
    out = pd.DataFrame.from_records(records, columns=COLUMNS)
    out["participants"] = out["participants"].astype("int64")
    out["segments"] = out["segments"].astype("int64")
    return out
