"""painreview.validate: every rule of the raw data contract, one broken copy of mini per rule.

Each case edits ``tests/data/mini`` (see its README for the rows) in one way and lists the
exact problems expected, worked out from the file: line = data row + 2 (header is line 1),
column = position in that file's header. Column positions used below:

- invitations: patient_id 1, practice 2, invited_on 3, contact_successful 4,
  attended_info_session 5, enrolled 6, non_enrolment_reason 7; P01…P14 on lines 2…15
- service_users: patient_id 1, enrolled_on 2, sex 3, age_years 4, ethnicity 5,
  employment 6, relationship 7, disability 8, previous_pain_clinic 9,
  opioid_start_reason 10, opioid_years 11; P01…P07 on lines 2…8
- prescriptions: patient_id 1, timepoint 2, drug 3, route 4, daily_dose 5, dose_unit 6
- questionnaires: patient_id 1, timepoint 2, item 3, value 4 (line 2 comm_01 of P01 at
  baseline, line 23 its bpi_8_relief, line 31 its wemwbs_01)
- service_status / interviews / codebook / coded_segments: in their header order.
"""

from __future__ import annotations

import functools
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import MINI, OPIOIDS_AWARE_PAIRS
from painreview import reference
from painreview.readers import RawTable, read_table
from painreview.validate import Problem, check_tables, is_nhs_number, validate_dataset

UNKNOWN = "not in the raw data contract (unvetted fields, such as names or addresses, are refused)"
MISSING_CODE = "looks like a missing-value code; a missing value is an empty cell"
NHS = "value looks like an NHS number (ten digits passing the modulus-11 check): refused as a possible direct identifier"


def problems_of(folder, conversion) -> list[str]:
    return [str(p) for p in validate_dataset(folder, conversion)]


def test_mini_is_valid(mini_dir, conversion):
    assert validate_dataset(mini_dir, conversion) == []


def test_mini_is_valid_against_the_packaged_conversion_tables(mini_dir):
    assert validate_dataset(mini_dir) == []  # default: Opioids Aware
    assert validate_dataset(mini_dir, "opioids_aware") == []


def test_a_conversion_table_without_a_pair_refuses_its_rows(mini_dir):
    import pandas as pd

    # a table without the buprenorphine patch and oral dihydrocodeine (as CDC 2022 once was);
    # in mini those are P05's baseline rows, lines 12 and 13
    pairs = [p for p in OPIOIDS_AWARE_PAIRS if p not in {("buprenorphine", "transdermal"), ("dihydrocodeine", "oral")}]
    table = pd.DataFrame(pairs, columns=["drug", "route"])
    assert [str(p) for p in validate_dataset(mini_dir, table)] == [
        "prescriptions.csv:12:4: route: (drug, route) = (buprenorphine, transdermal) is not in the conversion table",
        "prescriptions.csv:13:4: route: (drug, route) = (dihydrocodeine, oral) is not in the conversion table",
    ]


def test_problem_prints_as_file_line_column_message():
    assert str(Problem("service_users.csv", 3, 4, "required value is empty", "age_years")) == (
        "service_users.csv:3:4: age_years: required value is empty")
    assert str(Problem("service_users.csv", 1, 0, "missing column 'sex'")) == (
        "service_users.csv:1:0: missing column 'sex'")


# --- the folder -------------------------------------------------------------------------------


def test_no_such_folder(tmp_path, conversion):
    folder = tmp_path / "nowhere"
    assert problems_of(folder, conversion) == [f"{folder}:0:0: no such folder"]


def test_not_a_folder(tmp_path, conversion):
    path = tmp_path / "file.csv"
    path.write_text("x\n")
    assert problems_of(path, conversion) == [f"{path}:0:0: not a folder"]


def test_empty_folder_is_one_line(tmp_path, conversion):
    (tmp_path / "README.md").write_text("not data\n")
    expected = ", ".join(f"{name}.csv" for name in reference.FILES)
    assert problems_of(tmp_path, conversion) == [f"{tmp_path}:0:0: no data files in the folder (expected {expected})"]


# --- one case per rule ------------------------------------------------------------------------


def _set(*edits):
    """Edit cells: (file, row, column, value) …"""
    def apply(ds):
        for name, row, column, value in edits:
            ds.set(name, row, column, value)
    return apply


def _append(name, values):
    return lambda ds: ds.append(name, values)


def _drop(name, **match):
    return lambda ds: ds.drop_rows(name, lambda row: all(row[k] == v for k, v in match.items()))


def _write(filename, text: str | bytes):
    def apply(ds):
        data = text.encode("utf-8") if isinstance(text, str) else text
        (ds.folder / filename).write_bytes(data)
    return apply


def _header_only(name):
    def apply(ds):
        header, _ = ds.read(name)
        ds.write(name, header, [])
    return apply


def _delete(name):
    return lambda ds: ds.path(name).unlink()


def _line(name, number, text):
    """Replace one physical line of a file."""
    def apply(ds):
        lines = ds.path(name).read_text().split("\n")
        lines[number - 1] = text
        ds.path(name).write_text("\n".join(lines))
    return apply


def _drop_column(name, column):
    def apply(ds):
        header, rows = ds.read(name)
        i = header.index(column)
        ds.write(name, header[:i] + header[i + 1:], [row[:i] + row[i + 1:] for row in rows])
    return apply


CASES = [
    # --- files and headers
    ("missing file", _delete("invitations"), ["invitations.csv:0:0: file is missing"]),
    ("two formats", _write("coded_segments.xlsx", b""),
     ["coded_segments.csv:0:0: one table in 2 formats (coded_segments.csv, coded_segments.xlsx): keep exactly one"]),
    ("empty file", _write("service_status.csv", ""), ["service_status.csv:0:0: file is empty (no header row)"]),
    ("header only, rows required", _header_only("service_status"),
     ["service_status.csv:0:0: no rows: the file has a header only, and this table needs at least one row"]),
    ("not parseable CSV", _line("codebook", 3, 'recruitment_retention,"Recruitment" x,service_duration,Service'),
     ["codebook.csv:3:0: not parseable CSV: ',' expected after '\"'"]),
    ("not UTF-8", _write("interviews.csv", b"participant_id,role,mode,patient_id\nP1,gp,t\xe9l\xe9phone,\n"),
     ["interviews.csv:2:0: not UTF-8 text (byte 0xe9 at byte 8 of the line, 'é' in Windows-1252); save the file as UTF-8"]),
    ("missing column", _drop_column("service_users", "sex"), ["service_users.csv:1:0: missing column 'sex'"]),
    ("renamed column", lambda ds: ds.rename_column("service_users", "age_years", "age"),
     ["service_users.csv:1:0: missing column 'age_years'", f"service_users.csv:1:4: unknown column 'age': {UNKNOWN}"]),
    ("identifying column", lambda ds: ds.add_column("service_users", "name", lambda i, row: f"Person {i}"),
     [f"service_users.csv:1:12: unknown column 'name': {UNKNOWN}"]),
    ("NHS number column", lambda ds: ds.add_column("invitations", "nhs_number",
                                                   lambda i, row: "943 476 5919" if i == 0 else ""),
     [f"invitations.csv:1:8: unknown column 'nhs_number': {UNKNOWN}", f"invitations.csv:2:8: nhs_number: {NHS}"]),
    ("duplicated column", lambda ds: ds.add_column("service_status", "status", lambda i, row: row["status"]),
     ["service_status.csv:1:4: duplicated column 'status' (also column 2)"]),
    ("empty column name", lambda ds: ds.add_column("motivations", "", lambda i, row: ""),
     ["motivations.csv:1:4: empty column name"]),
    ("ragged row", _line("motivations", 3, "P01,coping_with_feelings"),
     ["motivations.csv:3:0: row has 2 cells but the header has 3"]),
    # --- cells: type, required, vocabulary, range
    ("id with a space", _set(("medications", 0, "patient_id", "P 01")),
     ["medications.csv:2:1: patient_id: 'P 01' is not a valid id (1 to 32 characters of A-Z a-z 0-9 _ -)"]),
    ("id of 33 characters", _set(("medications", 0, "patient_id", "P" * 33)),
     [f"medications.csv:2:1: patient_id: '{'P' * 33}' is not a valid id (1 to 32 characters of A-Z a-z 0-9 _ -)"]),
    ("Excel-style date", _set(("service_users", 1, "enrolled_on", "21/09/2016")),
     ["service_users.csv:3:2: enrolled_on: '21/09/2016' is not a date in ISO 8601 form YYYY-MM-DD"]),
    ("date serial number", _set(("appointments", 0, "date", "42640")),
     ["appointments.csv:2:2: date: '42640' is not a date in ISO 8601 form YYYY-MM-DD"]),
    ("date with a time", _set(("appointments", 0, "date", "2016-09-27T00:00:00")),
     ["appointments.csv:2:2: date: '2016-09-27T00:00:00' is not a date in ISO 8601 form YYYY-MM-DD"]),
    ("no such day", _set(("invitations", 2, "invited_on", "2016-09-31")),
     ["invitations.csv:4:3: invited_on: '2016-09-31' is not a real date"]),
    ("yes/no capitalised", _set(("service_users", 0, "disability", "Yes")),
     ["service_users.csv:2:8: disability: 'Yes' is not yes or no (lower case)"]),
    ("integer with decimals", _set(("service_users", 0, "age_years", "52.5")),
     ["service_users.csv:2:4: age_years: '52.5' is not a whole number"]),
    ("number with a unit", _set(("prescriptions", 0, "daily_dose", "240mg")),
     ["prescriptions.csv:2:5: daily_dose: '240mg' is not a number (digits, one decimal point)"]),
    ("number with decimal comma", _set(("prescriptions", 10, "daily_dose", "52,5")),
     ["prescriptions.csv:12:5: daily_dose: '52,5' is not a number (digits, one decimal point)"]),
    ("key with capitals and space", _set(("codebook", 0, "theme", "Recruitment A")),
     ["codebook.csv:2:1: theme: 'Recruitment A' is not a lower-case snake_case key"]),
    ("blank text", _set(("invitations", 0, "practice", "  ")), ["invitations.csv:2:2: practice: text is blank (spaces only)"]),
    ("required value empty", _set(("service_users", 0, "sex", "")),
     ["service_users.csv:2:3: sex: required value is empty"]),
    ("label instead of key", _set(("service_users", 0, "sex", "Female")),
     ["service_users.csv:2:3: sex: 'Female' is not a key of vocabulary sex (female, male); did you mean 'female'?"]),
    ("not in vocabulary", _set(("service_users", 0, "ethnicity", "white_british")),
     ["service_users.csv:2:5: ethnicity: 'white_british' is not a key of vocabulary ethnicity "
      "(white, mixed, asian, black, other)"]),
    ("not in a long vocabulary", _set(("comorbidities", 0, "condition", "insomnia")),
     ["comorbidities.csv:2:2: condition: 'insomnia' is not a key of vocabulary condition (see vocabularies.csv)"]),
    ("not an item", _set(("questionnaires", 0, "item", "comm_18")),
     ["questionnaires.csv:2:3: item: 'comm_18' is not a questionnaire item of items.csv"]),
    ("age below range", _set(("service_users", 0, "age_years", "17")),
     ["service_users.csv:2:4: age_years: '17' is out of range 18 to 110"]),
    ("years above range", _set(("service_users", 0, "opioid_years", "81")),
     ["service_users.csv:2:11: opioid_years: '81' is out of range 0 to 80"]),
    ("negative dose", _set(("prescriptions", 0, "daily_dose", "-5")),
     ["prescriptions.csv:2:5: daily_dose: '-5' is out of range 0 to 5000"]),
    ("item above range", _set(("questionnaires", 0, "value", "5")),
     ["questionnaires.csv:2:4: value: '5' is not a valid answer to comm_01 (0 to 4 in steps of 1)"]),
    ("item between steps", _set(("questionnaires", 21, "value", "35")),
     ["questionnaires.csv:23:4: value: '35' is not a valid answer to bpi_8_relief (0 to 100 in steps of 10)"]),
    ("item not whole", _set(("questionnaires", 0, "value", "2.5")),
     ["questionnaires.csv:2:4: value: '2.5' is not a valid answer to comm_01 (0 to 4 in steps of 1)"]),
    ("item below range", _set(("questionnaires", 29, "value", "0")),
     ["questionnaires.csv:31:4: value: '0' is not a valid answer to wemwbs_01 (1 to 5 in steps of 1)"]),
    ("NHS number in a text column", _set(("invitations", 0, "practice", "943 476 5919")),
     [f"invitations.csv:2:2: practice: {NHS}"]),
    ("NHS number in a number column", _set(("questionnaires", 0, "value", "9434765919")),
     [f"questionnaires.csv:2:4: value: {NHS}"]),
    # --- rules within a file
    ("duplicate id", _append("invitations", {"patient_id": "P14", "practice": "B", "invited_on": "2016-11-14",
                                             "contact_successful": "no", "attended_info_session": "no",
                                             "enrolled": "no"}),
     ["invitations.csv:16:1: patient_id: duplicate patient_id 'P14' (first on line 15)"]),
    ("row exported twice", _append("invitations", {"patient_id": "P14", "practice": "A", "invited_on": "2016-11-14",
                                                   "contact_successful": "no", "attended_info_session": "no",
                                                   "enrolled": "no"}),
     ["invitations.csv:16:0: row is identical to line 15: remove the copy (a record exported twice?)"]),
    ("appointment exported twice", _append("appointments", {"patient_id": "P01", "date": "2016-09-27",
                                                            "status": "kept"}),
     ["appointments.csv:18:0: row is identical to line 2: remove the copy (a record exported twice?)"]),
    ("duplicate composite key", _append("comorbidities", {"patient_id": "P01", "condition": "sleep_issues",
                                                          "present": "no"}),
     ["comorbidities.csv:24:0: duplicate (patient_id, condition) = (P01, sleep_issues) (first on line 2)"]),
    ("duplicate code", _append("codebook", {"theme": "opioid_use", "theme_label": "Opioid use and pain management",
                                            "code": "modifying_opioid_use", "code_label": "Again"}),
     ["codebook.csv:6:3: code: duplicate code 'modifying_opioid_use' (first on line 4)"]),
    ("attended without contact", _set(("invitations", 13, "attended_info_session", "yes")),
     ["invitations.csv:15:5: attended_info_session: attended_info_session is yes but contact_successful is no",
      "invitations.csv:15:7: non_enrolment_reason: non_enrolment_reason is required when attended_info_session is yes and enrolled is no"]),
    ("enrolled without attending", _set(("invitations", 12, "enrolled", "yes")),
     ["invitations.csv:14:1: patient_id: enrolled patient 'P13' has no row in service_users.csv",
      "invitations.csv:14:6: enrolled: enrolled is yes but attended_info_session is no"]),
    ("reason missing", _set(("invitations", 7, "non_enrolment_reason", "")),
     ["invitations.csv:9:7: non_enrolment_reason: non_enrolment_reason is required when attended_info_session is yes and enrolled is no"]),
    ("reason for an enrolled patient", _set(("invitations", 0, "non_enrolment_reason", "died")),
     ["invitations.csv:2:7: non_enrolment_reason: non_enrolment_reason must be empty unless attended_info_session is yes and enrolled is no"]),
    ("reason without attending", _set(("invitations", 12, "non_enrolment_reason", "not_for_me")),
     ["invitations.csv:14:7: non_enrolment_reason: non_enrolment_reason must be empty unless attended_info_session is yes and enrolled is no"]),
    ("diagnosed but not present", _set(("comorbidities", 3, "diagnosed", "yes")),
     ["comorbidities.csv:5:4: diagnosed: diagnosed is yes but present is no"]),
    ("route for none", _set(("prescriptions", 7, "route", "oral")),
     ["prescriptions.csv:9:4: route: route must be empty when drug is none"]),
    ("no route", _set(("prescriptions", 0, "route", "")), ["prescriptions.csv:2:4: route: route is required for drug codeine"]),
    ("zero dose", _set(("prescriptions", 0, "daily_dose", "0")),
     ["prescriptions.csv:2:5: daily_dose: daily_dose must be greater than 0 for drug codeine"]),
    ("dose for none", _set(("prescriptions", 7, "daily_dose", "10")),
     ["prescriptions.csv:9:5: daily_dose: daily_dose must be 0 when drug is none"]),
    ("oral in micrograms", _set(("prescriptions", 0, "dose_unit", "microgram_per_hour")),
     ["prescriptions.csv:2:6: dose_unit: dose_unit must be mg_per_day for route oral"]),
    ("oral without unit", _set(("prescriptions", 0, "dose_unit", "")),
     ["prescriptions.csv:2:6: dose_unit: dose_unit must be mg_per_day for route oral"]),
    ("patch in mg", _set(("prescriptions", 8, "dose_unit", "mg_per_day")),
     ["prescriptions.csv:10:6: dose_unit: dose_unit must be microgram_per_hour for route transdermal"]),
    ("unit for none", _set(("prescriptions", 7, "dose_unit", "mg_per_day")),
     ["prescriptions.csv:9:6: dose_unit: dose_unit must be empty when drug is none"]),
    ("none at baseline", _set(("prescriptions", 8, "drug", "none"), ("prescriptions", 8, "route", ""),
                              ("prescriptions", 8, "daily_dose", "0"), ("prescriptions", 8, "dose_unit", "")),
     ["prescriptions.csv:10:3: drug: drug none is not allowed at baseline (eligibility was current long-term opioid use)"]),
    ("none beside a drug", _append("prescriptions", {"patient_id": "P03", "timepoint": "follow_up", "drug": "codeine",
                                                     "route": "oral", "daily_dose": "60", "dose_unit": "mg_per_day"}),
     ["prescriptions.csv:9:0: drug none must be the only row of patient 'P03' at follow_up (also line 22)"]),
    ("discharged without reason", _set(("service_status", 1, "discharge_reason", "")),
     ["service_status.csv:3:3: discharge_reason: discharge_reason is required when status is discharged"]),
    ("active with reason", _set(("service_status", 0, "discharge_reason", "no_time")),
     ["service_status.csv:2:3: discharge_reason: discharge_reason must be empty when status is active"]),
    ("provider with a patient id", _set(("interviews", 5, "patient_id", "P02")),
     ["interviews.csv:7:4: patient_id: patient_id must be empty for role gp (only service users are patients)"]),
    ("two labels for a theme", _set(("codebook", 1, "theme_label", "Recruitment and retention")),
     ["codebook.csv:3:2: theme_label: theme 'recruitment_retention' has another theme_label on line 2 "
      "('Recruitment, attendance and retention')"]),
    # --- rules across files
    ("patient not invited", _set(("medications", 0, "patient_id", "P99")),
     ["medications.csv:2:1: patient_id: patient_id 'P99' is not in invitations.csv"]),
    ("patient not enrolled", _set(("motivations", 12, "patient_id", "P08")),
     ["motivations.csv:14:1: patient_id: patient_id 'P08' is not an enrolled patient (enrolled is no on invitations.csv line 9)"]),
    ("interviewee not enrolled", _set(("interviews", 2, "patient_id", "P13")),
     ["interviews.csv:4:4: patient_id: patient_id 'P13' is not an enrolled patient (enrolled is no on invitations.csv line 14)"]),
    ("enrolled without service_users row", _drop("service_users", patient_id="P07"),
     ["invitations.csv:8:1: patient_id: enrolled patient 'P07' has no row in service_users.csv"]),
    ("service user not enrolled", _set(("service_users", 6, "patient_id", "P08")),
     ["invitations.csv:8:1: patient_id: enrolled patient 'P07' has no row in service_users.csv",
      "service_users.csv:8:1: patient_id: patient_id 'P08' is not an enrolled patient (enrolled is no on invitations.csv line 9)",
      "service_users.csv:8:1: patient_id: service user 'P08' has no row in service_status.csv",
      "service_users.csv:8:1: patient_id: service user 'P08' has no baseline row in prescriptions.csv"]),
    ("no status row", _drop("service_status", patient_id="P07"),
     ["service_users.csv:8:1: patient_id: service user 'P07' has no row in service_status.csv"]),
    ("no baseline prescription", _drop("prescriptions", patient_id="P04", timepoint="baseline"),
     ["service_users.csv:5:1: patient_id: service user 'P04' has no baseline row in prescriptions.csv"]),
    ("enrolled before invited", _set(("service_users", 0, "enrolled_on", "2016-09-01")),
     ["service_users.csv:2:2: enrolled_on: enrolled_on 2016-09-01 is before invited_on 2016-09-05 (invitations.csv line 2)"]),
    ("appointment before enrolment", _set(("appointments", 0, "date", "2016-09-19")),
     ["appointments.csv:2:2: date: date 2016-09-19 is before enrolled_on 2016-09-20 of patient 'P01' "
      "(service_users.csv line 2)"]),
    ("no conversion factor", _set(("prescriptions", 0, "route", "transdermal"),
                                  ("prescriptions", 0, "dose_unit", "microgram_per_hour")),
     ["prescriptions.csv:2:4: route: (drug, route) = (codeine, transdermal) is not in the conversion table"]),
    ("segment of no interview", _set(("coded_segments", 0, "participant_id", "P9")),
     ["coded_segments.csv:2:2: participant_id: participant_id 'P9' is not in interviews.csv"]),
    ("segment of no code", _set(("coded_segments", 0, "code", "unknown_code")),
     ["coded_segments.csv:2:3: code: code 'unknown_code' is not in codebook.csv"]),
]


@pytest.mark.parametrize("edit, expected", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_each_rule_reports_exactly_its_problem(mini, conversion, edit, expected):
    edit(mini)
    assert problems_of(mini.folder, conversion) == expected


@pytest.mark.parametrize("code", ["NA", ".", "-99", "999", "n/a", "N/A", "NaN", "null", "na", "NULL"])
def test_missing_value_codes_are_refused(mini, conversion, code):
    mini.set("service_users", 0, "age_years", code)
    assert problems_of(mini.folder, conversion) == [f"service_users.csv:2:4: age_years: {code!r} {MISSING_CODE}"]


@pytest.mark.parametrize("name", ["comorbidities", "motivations", "medications", "questionnaires", "appointments",
                                  "interviews", "codebook", "coded_segments"])
def test_header_only_is_valid_where_rows_are_optional(mini, conversion, name):
    header, _ = mini.read(name)
    mini.write(name, header, [])
    if name == "interviews":  # segments then name participants that are not interviewed
        mini.write("coded_segments", mini.read("coded_segments")[0], [])
    if name == "codebook":
        mini.write("coded_segments", mini.read("coded_segments")[0], [])
    assert problems_of(mini.folder, conversion) == []


def test_every_problem_is_reported_at_once_in_contract_order(mini, conversion):
    mini.set("coded_segments", 5, "code", "nope")
    mini.set("service_users", 2, "sex", "Male")
    mini.set("service_users", 1, "age_years", "NA")
    mini.set("invitations", 3, "practice", "")
    mini.path("appointments").unlink()
    assert problems_of(mini.folder, conversion) == [
        "invitations.csv:5:2: practice: required value is empty",
        f"service_users.csv:3:4: age_years: 'NA' {MISSING_CODE}",
        "service_users.csv:4:3: sex: 'Male' is not a key of vocabulary sex (female, male); did you mean 'male'?",
        "appointments.csv:0:0: file is missing",
        "coded_segments.csv:7:3: code: code 'nope' is not in codebook.csv",
    ]


def test_column_order_is_free(mini, conversion):
    header, rows = mini.read("service_users")
    order = list(reversed(range(len(header))))
    mini.write("service_users", [header[i] for i in order], [[row[i] for i in order] for row in rows])
    assert problems_of(mini.folder, conversion) == []
    mini.set("service_users", 0, "sex", "")  # sex is now column 11 - 3 + 1 = 9
    assert problems_of(mini.folder, conversion) == ["service_users.csv:2:9: sex: required value is empty"]


def test_a_ten_digit_number_failing_the_check_digit_is_not_an_identifier(mini, conversion):
    # 943 476 5918: the check digit should be 9, so this is not an NHS number
    mini.set("invitations", 0, "practice", "9434765918")
    assert problems_of(mini.folder, conversion) == []


def test_validation_is_deterministic(mini_dir, tmp_path, conversion):
    bad = tmp_path / "bad"
    bad.mkdir()
    for path in mini_dir.glob("*.csv"):
        (bad / path.name).write_text(path.read_text().replace("yes", "Yes"))
    first = problems_of(bad, conversion)
    assert len(first) > 50
    assert problems_of(bad, conversion) == first


# --- the NHS number check ---------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    # 943 476 5919: 9·10+4·9+3·8+4·7+7·6+6·5+5·4+9·3+1·2 = 299; 299 mod 11 = 2; 11 − 2 = 9 = last digit
    ("943 476 5919", True),
    ("9434765919", True),
    ("9434765918", False),  # check digit should be 9
    # 401 023 2137: 4·10+0+1·8+0+2·6+3·5+2·4+1·3+3·2 = 92; 92 mod 11 = 4; 11 − 4 = 7 = last digit
    ("4010232137", True),
    # 123 456 7890: 1·10+2·9+3·8+4·7+5·6+6·5+7·4+8·3+9·2 = 210; 210 mod 11 = 1; check 10 → never valid
    ("1234567890", False),
    ("943476591", False),  # nine digits
    ("943-476-5919", False),  # only spaces may separate
    ("", False),
])
def test_is_nhs_number(value, expected):
    assert is_nhs_number(value) is expected


def _with_check_digit(nine: str) -> str | None:
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1)))
    check = (11 - total % 11) % 11
    return None if check == 10 else nine + str(check)


@given(st.text("0123456789", min_size=9, max_size=9), st.integers(0, 9), st.integers(1, 9))
def test_changing_one_digit_of_an_nhs_number_breaks_it(nine, position, delta):
    # modulus 11 is prime and every weight (10…2, and 1 for the check digit) is non-zero mod 11,
    # so any single-digit change moves the weighted sum off 0 mod 11
    number = _with_check_digit(nine)
    if number is None:
        return
    assert is_nhs_number(number)
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1:]
    assert not is_nhs_number(changed)


# --- property: a corrupted cell never passes -------------------------------------------------

_BREAKERS = {
    "id": ["P 01", "P" * 33, "P01!", "é"],
    "text": ["   "],
    "key": ["Theme A", "1abc", "a-b", "a__"],
    "date": ["12/03/2017", "42806", "2017-02-30", "2017-3-12", "2017-03-12 00:00"],
    "yesno": ["Yes", "y", "1", "TRUE", "No "],
    "coded": ["Unknown", "other_thing", "YES", " female"],
    "integer": ["1.5", "abc", "1e3", "12 "],
    "number": ["12,5", "abc", "1e3", "+-1"],
}
_ANYWHERE = ["NA", ".", "-99", "999", "n/a", "N/A", "NaN", "null", "943 476 5919", "4010232137"]


@functools.lru_cache(maxsize=1)
def _mini_tables():
    return {name: read_table(MINI, name) for name in reference.FILES}


@functools.lru_cache(maxsize=1)
def _cells():
    """Every (file, row, column, type, required) cell of mini."""
    spec = reference.columns()
    kinds = {(f, c): (t, r == "yes") for f, c, t, r in zip(spec["file"], spec["column"], spec["type"], spec["required"])}
    return [(name, r, c, *kinds[(name, column)])
            for name, table in _mini_tables().items()
            for r in range(len(table.rows))
            for c, column in enumerate(table.header)]


@st.composite
def corruptions(draw):
    name, row, column, kind, required = draw(st.sampled_from(_cells()))
    choices = _BREAKERS[kind] + _ANYWHERE + ([""] if required else [])
    return name, row, column, draw(st.sampled_from(choices))


@settings(max_examples=100, deadline=None)
@given(corruptions())
def test_a_single_corrupted_cell_never_passes(corruption):
    name, row, column, value = corruption
    tables = dict(_mini_tables())
    table = tables[name]
    rows = list(table.rows)
    rows[row] = rows[row][:column] + (value,) + rows[row][column + 1:]
    tables[name] = RawTable.from_rows(table.file, table.header, rows, table.lines)
    where = (table.file, table.lines[row], column + 1)
    problems = check_tables(tables, conversion=_pairs_frame())
    assert where in {(p.file, p.line, p.column) for p in problems}


@functools.lru_cache(maxsize=1)
def _pairs_frame():
    import pandas as pd

    return pd.DataFrame(OPIOIDS_AWARE_PAIRS, columns=["drug", "route"])


# --- the command ------------------------------------------------------------------------------


def test_cli_valid_prints_a_summary_and_exits_0(mini_dir, capsys):
    from painreview.__main__ import main

    assert main(["validate", str(mini_dir)]) == 0
    out, err = capsys.readouterr()
    assert out == f"{mini_dir}: valid (12 files, 7 service users)\n"
    assert err == f"{mini_dir}: note: not files of the raw data contract, never read: README.md\n"


def test_cli_problems_go_to_stderr_with_a_count_and_exit_1(mini, capsys):
    from painreview.__main__ import main

    mini.set("service_users", 0, "sex", "")
    mini.path("codebook").unlink()
    assert main(["validate", str(mini.folder)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "service_users.csv:2:3: sex: required value is empty\n"
        "codebook.csv:0:0: file is missing\n"
        f"{mini.folder}: 2 problems\n"
    )


def test_cli_missing_folder_is_one_line(tmp_path, capsys):
    from painreview.__main__ import main

    assert main(["validate", str(tmp_path / "nowhere")]) == 1
    _, err = capsys.readouterr()
    assert err == f"{tmp_path / 'nowhere'}:0:0: no such folder\n{tmp_path / 'nowhere'}: 1 problem\n"


def test_cli_as_a_process(mini):
    """Once through a real process: exit status, streams, no traceback."""
    mini.set("invitations", 0, "invited_on", "05/09/2016")
    done = subprocess.run([sys.executable, "-m", "painreview", "validate", str(mini.folder)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == (
        "invitations.csv:2:3: invited_on: '05/09/2016' is not a date in ISO 8601 form YYYY-MM-DD\n"
        f"{mini.folder}: 1 problem\n"
    )


def test_cli_unknown_conversion_table_is_a_usage_error(mini_dir, capsys):
    from painreview.__main__ import main

    assert main(["validate", str(mini_dir), "--conversion", "nope"]) == 2
    _, err = capsys.readouterr()
    assert err.startswith("error: unknown conversion table 'nope'; known tables: ")


# --- plausible values as data ----------------------------------------------------------------


def test_every_numeric_and_date_column_has_its_range_in_columns_csv():
    spec = reference.columns()
    ranged = spec[spec["type"].isin(["integer", "number", "date"])]
    assert (ranged["min"] != "").all() and (ranged["max"] != "").all()


def test_the_daily_dose_range_is_the_widest_plausible_maximum_of_a_unit():
    spec = reference.columns()
    dose_max = float(spec.loc[spec["column"] == "daily_dose", "max"].iloc[0])
    assert dose_max == max(reference.dose_limits().values())
    assert set(reference.dose_limits()) == set(reference.vocabulary("dose_unit"))


def test_every_placeholder_date_has_a_meaning_and_a_source():
    table = reference.read_reference("sentinel_dates.csv")
    assert (table["meaning"] != "").all() and (table["source"] != "").all()
    assert {"9999-12-31", "0001-01-01", "1677-09-20", "1970-01-01"} <= set(table["date"])
