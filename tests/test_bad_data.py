"""A corpus of bad exports: each named case breaks a valid dataset in one way and names
the exact problem lines the validator must print.

The base is ``data/synthetic`` once it holds the contract's files, else ``tests/data/mini``
(``conftest.bad_data_base``); cases pick their rows by what they hold (the first
non-enrolled invitee, a patch, …), so they work on either. A case returns the problems
expected, built from the edited cell's position (``EditableDataset.set`` returns
``file:line:column``) and the message the contract's rule gives.

Also here: mini saved as Excel and as Stata (with value labels) validates and loads to
the same frames as the CSV, and a Stata value label that is no vocabulary key or label
is refused.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from painreview import reference
from painreview.dataset import load_dataset
from painreview.validate import validate_dataset

UNKNOWN = "not in the raw data contract (unvetted fields, such as names or addresses, are refused)"
MISSING_CODE = "looks like a missing-value code; a missing value is an empty cell"
NHS = "value looks like an NHS number (ten digits passing the modulus-11 check): refused as a possible direct identifier"
NOT_ISO = "is not a date in ISO 8601 form YYYY-MM-DD"
NAME = "value looks like a personal name: refused as a possible direct identifier"

CASES = {}


def case(function):
    CASES[function.__name__] = function
    return function


def first(ds, name, **match):
    return ds.find(name, lambda row: all(row[k] == v for k, v in match.items()))


def line_of(row: int) -> int:
    """The file line of data row ``row`` (header = line 1; no cell spans lines here)."""
    return row + 2


def nhs_number(n: int) -> str:
    """The n-th ten-digit number (n ≥ 0) that passes the NHS modulus-11 check."""
    prefix = 400_000_000 + n * 7
    while True:
        digits = f"{prefix:09d}"
        check = (11 - sum(int(d) * w for d, w in zip(digits, range(10, 1, -1))) % 11) % 11
        if check != 10:
            return digits + str(check)
        prefix += 1


def shift_day(iso: str, days: int) -> str:
    return (dt.date.fromisoformat(iso) + dt.timedelta(days=days)).isoformat()


# --- files -----------------------------------------------------------------------------------


@case
def missing_invitations(ds):
    ds.path("invitations").unlink()
    return ["invitations.csv:0:0: file is missing"]


@case
def missing_coded_segments(ds):
    ds.path("coded_segments").unlink()
    return ["coded_segments.csv:0:0: file is missing"]


@case
def empty_folder(ds):
    for path in ds.folder.iterdir():
        path.unlink()
    expected = ", ".join(f"{name}.csv" for name in reference.FILES)
    return [f"{ds.folder}:0:0: no data files in the folder (expected {expected})"]


@case
def csv_and_xlsx_for_one_table(ds):
    (ds.folder / "appointments.xlsx").write_bytes(b"")
    return ["appointments.csv:0:0: one table in 2 formats (appointments.csv, appointments.xlsx): keep exactly one"]


@case
def zero_byte_file(ds):
    ds.path("medications").write_bytes(b"")
    return ["medications.csv:0:0: file is empty (no header row)"]


def _header_only(ds, name):
    header, _ = ds.read(name)
    ds.write(name, header, [])
    return [f"{name}.csv:0:0: no rows: the file has a header only, and this table needs at least one row"]


@case
def header_only_invitations(ds):
    return _header_only(ds, "invitations")


@case
def header_only_service_users(ds):
    return _header_only(ds, "service_users")


@case
def header_only_prescriptions(ds):
    return _header_only(ds, "prescriptions")


@case
def header_only_service_status(ds):
    return _header_only(ds, "service_status")


@case
def latin1_text(ds):
    header, rows = ds.read("codebook")
    text = ds.path("codebook").read_text(encoding="utf-8")
    lines = text.split("\n")
    lines[2] = lines[2] + "é"  # the last cell of line 3 gains an "é", then the file is saved as Latin-1
    ds.path("codebook").write_bytes("\n".join(lines).encode("latin-1"))
    byte = len(lines[2].encode("latin-1"))  # the é is the line's last byte
    return [f"codebook.csv:3:0: not UTF-8 text (byte 0xe9 at byte {byte} of the line, 'é' in Windows-1252); "
            "save the file as UTF-8"]


@case
def stray_quote(ds):
    text = ds.path("motivations").read_text(encoding="utf-8").split("\n")
    text[3] = '"' + text[3].replace(",", '"x,', 1)  # line 4: "P01"x,… a closing quote followed by text
    ds.path("motivations").write_text("\n".join(text), encoding="utf-8")
    return ["motivations.csv:4:0: not parseable CSV: ',' expected after '\"'"]


@case
def utf8_byte_order_mark_is_fine(ds):
    for name in ("invitations", "questionnaires"):
        data = ds.path(name).read_bytes()
        ds.path(name).write_bytes(b"\xef\xbb\xbf" + data)
    return []


@case
def windows_line_ends_are_fine(ds):
    data = ds.path("service_users").read_bytes()
    ds.path("service_users").write_bytes(data.replace(b"\n", b"\r\n"))
    return []


# --- headers -----------------------------------------------------------------------------------


@case
def renamed_column(ds):
    position = ds.rename_column("service_users", "sex", "gender")
    return ["service_users.csv:1:0: missing column 'sex'", f"service_users.csv:1:{position}: unknown column 'gender': {UNKNOWN}"]


@case
def dropped_column(ds):
    header, rows = ds.read("prescriptions")
    i = header.index("dose_unit")
    ds.write("prescriptions", header[:i] + header[i + 1:], [row[:i] + row[i + 1:] for row in rows])
    return ["prescriptions.csv:1:0: missing column 'dose_unit'"]


@case
def extra_nhs_number_column(ds):
    position = ds.add_column("invitations", "nhs_number", lambda i, row: nhs_number(i))
    n = len(ds.read("invitations")[1])
    return ([f"invitations.csv:1:{position}: unknown column 'nhs_number': {UNKNOWN}"]
            + [f"invitations.csv:{line}:{position}: nhs_number: {NHS}" for line in range(2, n + 2)])


@case
def extra_name_column(ds):
    position = ds.add_column("service_users", "name", lambda i, row: f"Forename{i} Surname")
    return [f"service_users.csv:1:{position}: unknown column 'name': {UNKNOWN}"]


@case
def duplicated_column(ds):
    position = ds.add_column("appointments", "status", lambda i, row: row["status"])
    first_position = ds.column("appointments", "status")
    return [f"appointments.csv:1:{position}: duplicated column 'status' (also column {first_position})"]


@case
def short_row(ds):
    header, rows = ds.read("medications")
    rows[0] = rows[0][:-1]
    ds.write("medications", header, rows)
    return [f"medications.csv:2:0: row has {len(header) - 1} cells but the header has {len(header)}"]


# --- cells ---------------------------------------------------------------------------------------


@case
def sentinel_NA_in_age(ds):
    where = ds.set("service_users", 0, "age_years", "NA")
    return [f"{where}: 'NA' {MISSING_CODE}"]


@case
def sentinel_dot_in_questionnaire_value(ds):
    row = ds.find("questionnaires", lambda r: r["value"] != "")
    where = ds.set("questionnaires", row, "value", ".")
    return [f"{where}: '.' {MISSING_CODE}"]


@case
def sentinel_minus_99_in_opioid_years(ds):
    where = ds.set("service_users", 0, "opioid_years", "-99")
    return [f"{where}: '-99' {MISSING_CODE}"]


@case
def sentinel_999_in_daily_dose(ds):
    row = ds.find("prescriptions", lambda r: r["drug"] != "none")
    where = ds.set("prescriptions", row, "daily_dose", "999")
    return [f"{where}: '999' {MISSING_CODE}"]


@case
def sentinel_n_a_in_ethnicity(ds):
    where = ds.set("service_users", 0, "ethnicity", "n/a")
    return [f"{where}: 'n/a' {MISSING_CODE}"]


@case
def sentinel_NaN_in_diagnosed(ds):
    where = ds.set("comorbidities", 0, "diagnosed", "NaN")
    return [f"{where}: 'NaN' {MISSING_CODE}"]


@case
def excel_date_invited_on(ds):
    iso = ds.value("invitations", 0, "invited_on")
    excel = dt.date.fromisoformat(iso).strftime("%d/%m/%Y")
    where = ds.set("invitations", 0, "invited_on", excel)
    return [f"{where}: {excel!r} {NOT_ISO}"]


@case
def excel_serial_appointment_date(ds):
    iso = ds.value("appointments", 0, "date")
    serial = str((dt.date.fromisoformat(iso) - dt.date(1899, 12, 30)).days)  # Excel's day count
    where = ds.set("appointments", 0, "date", serial)
    return [f"{where}: {serial!r} {NOT_ISO}"]


@case
def impossible_date(ds):
    where = ds.set("service_users", 0, "enrolled_on", "2017-02-29")  # 2017 is not a leap year
    return [f"{where}: '2017-02-29' is not a real date"]


@case
def capitalised_yes(ds):
    where = ds.set("invitations", 0, "contact_successful", "Yes")
    return [f"{where}: 'Yes' is not yes or no (lower case)"]


@case
def label_for_key(ds):
    row = first(ds, "service_users", sex="female")
    where = ds.set("service_users", row, "sex", "Female")
    return [f"{where}: 'Female' is not a key of vocabulary sex (female, male); did you mean 'female'?"]


@case
def drug_brand_name(ds):
    row = first(ds, "prescriptions", drug="morphine")
    where = ds.set("prescriptions", row, "drug", "MST Continus")
    drugs = ", ".join(reference.vocabulary("drug"))
    return [f"{where}: 'MST Continus' is not a key of vocabulary drug ({drugs})"]


@case
def id_with_space(ds):
    row = len(ds.read("medications")[1]) - 1
    where = ds.set("medications", row, "patient_id", "P 1")
    return [f"{where}: 'P 1' is not a valid id (1 to 32 characters of A-Z a-z 0-9 _ -)"]


@case
def nhs_number_as_patient_id(ds):
    where = ds.set("appointments", 0, "patient_id", "943 476 5919")
    return [f"{where}: {NHS}"]


@case
def nhs_number_in_practice(ds):
    where = ds.set("invitations", 0, "practice", nhs_number(3))
    return [f"{where}: {NHS}"]


@case
def age_out_of_range(ds):
    where = ds.set("service_users", 0, "age_years", "17")
    return [f"{where}: '17' is out of range 18 to 110"]


@case
def negative_dose(ds):
    row = ds.find("prescriptions", lambda r: r["drug"] != "none")
    where = ds.set("prescriptions", row, "daily_dose", "-30")
    return [f"{where}: '-30' is out of range 0 to 5000"]


@case
def comm_item_out_of_range(ds):
    row = ds.find("questionnaires", lambda r: r["item"].startswith("comm_") and r["value"] != "")
    item = ds.value("questionnaires", row, "item")
    where = ds.set("questionnaires", row, "value", "5")
    return [f"{where}: '5' is not a valid answer to {item} (0 to 4 in steps of 1)"]


@case
def relief_between_steps(ds):
    row = first(ds, "questionnaires", item="bpi_8_relief")
    where = ds.set("questionnaires", row, "value", "35")
    return [f"{where}: '35' is not a valid answer to bpi_8_relief (0 to 100 in steps of 10)"]


# --- rules within a file -----------------------------------------------------------------------


@case
def duplicate_invitation(ds):
    header, rows = ds.read("invitations")
    row = first(ds, "invitations", enrolled="no")
    again = dict(zip(header, rows[row]), practice="Z")  # the same id, another row
    line = ds.append("invitations", again)
    return [f"invitations.csv:{line}:{ds.column('invitations', 'patient_id')}: patient_id: duplicate patient_id "
            f"{rows[row][header.index('patient_id')]!r} (first on line {line_of(row)})"]


@case
def duplicate_questionnaire_answer(ds):
    header, rows = ds.read("questionnaires")
    value = rows[0][header.index("value")]
    line = ds.append("questionnaires", dict(zip(header, rows[0]), value="1" if value != "1" else "2"))
    p, t, i = (rows[0][header.index(c)] for c in ("patient_id", "timepoint", "item"))
    return [f"questionnaires.csv:{line}:0: duplicate (patient_id, timepoint, item) = ({p}, {t}, {i}) (first on line 2)"]


@case
def attended_without_contact(ds):
    row = first(ds, "invitations", contact_successful="no")
    where = ds.set("invitations", row, "attended_info_session", "yes")
    reason = ds.column("invitations", "non_enrolment_reason")
    line = line_of(row)
    return [f"{where}: attended_info_session is yes but contact_successful is no",
            f"invitations.csv:{line}:{reason}: non_enrolment_reason: non_enrolment_reason is required when attended_info_session is yes "
            "and enrolled is no"]


@case
def non_enrolment_reason_missing(ds):
    row = first(ds, "invitations", attended_info_session="yes", enrolled="no")
    where = ds.set("invitations", row, "non_enrolment_reason", "")
    return [f"{where}: non_enrolment_reason is required when attended_info_session is yes and enrolled is no"]


@case
def diagnosed_not_present(ds):
    row = first(ds, "comorbidities", present="no")
    where = ds.set("comorbidities", row, "diagnosed", "yes")
    return [f"{where}: diagnosed is yes but present is no"]


@case
def route_for_no_opioid(ds):
    row = first(ds, "prescriptions", drug="none")
    where = ds.set("prescriptions", row, "route", "oral")
    return [f"{where}: route must be empty when drug is none"]


@case
def zero_dose_of_a_drug(ds):
    row = ds.find("prescriptions", lambda r: r["drug"] != "none")
    drug = ds.value("prescriptions", row, "drug")
    where = ds.set("prescriptions", row, "daily_dose", "0")
    return [f"{where}: daily_dose must be greater than 0 for drug {drug}"]


@case
def patch_in_mg(ds):
    row = first(ds, "prescriptions", route="transdermal")
    where = ds.set("prescriptions", row, "dose_unit", "mg_per_day")
    return [f"{where}: dose_unit must be microgram_per_hour for route transdermal"]


@case
def no_opioid_at_baseline(ds):
    header, rows = ds.read("prescriptions")
    at = {c: header.index(c) for c in header}
    counts = {}
    for row in rows:
        if row[at["timepoint"]] == "baseline":
            counts[row[at["patient_id"]]] = counts.get(row[at["patient_id"]], 0) + 1
    row = ds.find("prescriptions", lambda r: r["timepoint"] == "baseline" and counts[r["patient_id"]] == 1)
    for column, value in (("route", ""), ("daily_dose", "0"), ("dose_unit", "")):
        ds.set("prescriptions", row, column, value)
    where = ds.set("prescriptions", row, "drug", "none")
    return [f"{where}: drug none is not allowed at baseline (eligibility was current long-term opioid use)"]


@case
def no_opioid_beside_a_drug(ds):
    row = first(ds, "prescriptions", drug="none")
    patient = ds.value("prescriptions", row, "patient_id")
    timepoint = ds.value("prescriptions", row, "timepoint")
    line = ds.append("prescriptions", {"patient_id": patient, "timepoint": timepoint, "drug": "codeine",
                                       "route": "oral", "daily_dose": "60", "dose_unit": "mg_per_day"})
    return [f"prescriptions.csv:{line_of(row)}:0: drug none must be the only row of patient "
            f"{patient!r} at {timepoint} (also line {line})"]


@case
def discharged_without_reason(ds):
    row = first(ds, "service_status", status="discharged")
    where = ds.set("service_status", row, "discharge_reason", "")
    return [f"{where}: discharge_reason is required when status is discharged"]


@case
def gp_with_patient_id(ds):
    row = first(ds, "interviews", role="gp")
    patient = ds.value("service_users", 0, "patient_id")
    where = ds.set("interviews", row, "patient_id", patient)
    return [f"{where}: patient_id must be empty for role gp (only service users are patients)"]


@case
def theme_with_two_labels(ds):
    header, rows = ds.read("codebook")
    theme = rows[0][header.index("theme")]
    row = ds.find("codebook", lambda r: r["theme"] == theme and r["code"] != rows[0][header.index("code")])
    where = ds.set("codebook", row, "theme_label", "Another label")
    label = rows[0][header.index("theme_label")]
    return [f"{where}: theme {theme!r} has another theme_label on line 2 ({label!r})"]


# --- rules across files ----------------------------------------------------------------------------


@case
def patient_never_invited(ds):
    where = ds.set("medications", 0, "patient_id", "Z999")
    return [f"{where}: patient_id 'Z999' is not in invitations.csv"]


@case
def patient_not_enrolled(ds):
    row = first(ds, "invitations", enrolled="no")
    patient = ds.value("invitations", row, "patient_id")
    where = ds.set("comorbidities", 0, "patient_id", patient)
    return [f"{where}: patient_id {patient!r} is not an enrolled patient "
            f"(enrolled is no on invitations.csv line {line_of(row)})"]


@case
def enrolled_without_service_user_row(ds):
    patient = ds.value("service_users", 0, "patient_id")
    ds.drop_rows("service_users", lambda r: r["patient_id"] == patient)
    row = first(ds, "invitations", patient_id=patient)
    return [f"invitations.csv:{line_of(row)}:{ds.column('invitations', 'patient_id')}: patient_id: "
            f"enrolled patient {patient!r} has no row in service_users.csv"]


@case
def service_user_without_status(ds):
    patient = ds.value("service_users", 0, "patient_id")
    ds.drop_rows("service_status", lambda r: r["patient_id"] == patient)
    return [f"service_users.csv:2:{ds.column('service_users', 'patient_id')}: patient_id: service user {patient!r} "
            "has no row in service_status.csv"]


@case
def service_user_without_baseline_prescription(ds):
    patient = ds.value("service_users", 0, "patient_id")
    ds.drop_rows("prescriptions", lambda r: r["patient_id"] == patient and r["timepoint"] == "baseline")
    return [f"service_users.csv:2:{ds.column('service_users', 'patient_id')}: patient_id: service user {patient!r} "
            "has no baseline row in prescriptions.csv"]


@case
def enrolled_before_invited(ds):
    patient = ds.value("service_users", 0, "patient_id")
    row = first(ds, "invitations", patient_id=patient)
    invited_on = ds.value("invitations", row, "invited_on")
    early = shift_day(invited_on, -1)
    where = ds.set("service_users", 0, "enrolled_on", early)
    return [f"{where}: enrolled_on {early} is before invited_on {invited_on} "
            f"(invitations.csv line {line_of(row)})"]


@case
def appointment_before_enrolment(ds):
    patient = ds.value("appointments", 0, "patient_id")
    user = first(ds, "service_users", patient_id=patient)
    enrolled_on = ds.value("service_users", user, "enrolled_on")
    early = shift_day(enrolled_on, -1)
    where = ds.set("appointments", 0, "date", early)
    return [f"{where}: date {early} is before enrolled_on {enrolled_on} of patient {patient!r} "
            f"(service_users.csv line {line_of(user)})"]


@case
def drug_route_without_factor(ds):
    row = first(ds, "prescriptions", drug="codeine")
    where_route = ds.set("prescriptions", row, "route", "transdermal")
    ds.set("prescriptions", row, "dose_unit", "microgram_per_hour")
    return [f"{where_route}: (drug, route) = (codeine, transdermal) is not in the conversion table"]


@case
def segment_of_unknown_participant(ds):
    where = ds.set("coded_segments", 0, "participant_id", "P999")
    return [f"{where}: participant_id 'P999' is not in interviews.csv"]


@case
def segment_with_unknown_code(ds):
    where = ds.set("coded_segments", 0, "code", "not_a_code")
    return [f"{where}: code 'not_a_code' is not in codebook.csv"]


# --- messy exports: names, formats and special files (issue #11) ------------------------------------


def _rename(ds, name, new_name):
    ds.path(name).rename(ds.folder / new_name)


@case
def file_name_in_capitals(ds):
    _rename(ds, "invitations", "Invitations.csv")
    return ["invitations.csv:0:0: file is missing; found Invitations.csv: rename it to invitations.csv"]


@case
def extension_in_capitals(ds):
    _rename(ds, "invitations", "invitations.CSV")
    return ["invitations.csv:0:0: file is missing; found invitations.CSV: rename it to invitations.csv"]


@case
def text_extension(ds):
    _rename(ds, "invitations", "invitations.txt")
    return ["invitations.csv:0:0: file is missing; found invitations.txt: if it is comma-separated, "
            "rename it to invitations.csv"]


def _delimited(ds, name, delimiter):
    header, rows = ds.read(name)
    ds.path(name).write_text("\n".join(delimiter.join(row) for row in [header, *rows]) + "\n", encoding="utf-8")
    return delimiter.join(header)


@case
def semicolon_separated(ds):
    header = _delimited(ds, "medications", ";")
    return [f"medications.csv:1:0: the header is one cell {header!r}: this file looks semicolon-separated; "
            "save it comma-separated (CSV)"]


@case
def tab_separated(ds):
    header = _delimited(ds, "service_status", "\t")
    return [f"service_status.csv:1:0: the header is one cell {header!r}: this file looks tab-separated; "
            "save it comma-separated (CSV)"]


@case
def column_name_in_other_case(ds):
    position = ds.rename_column("service_status", "patient_id", "Patient_ID")
    return ["service_status.csv:1:0: missing column 'patient_id'",
            f"service_status.csv:1:{position}: unknown column 'Patient_ID': {UNKNOWN}; did you mean 'patient_id'?"]


@case
def column_name_with_a_trailing_space(ds):
    position = ds.rename_column("appointments", "status", "status ")
    return ["appointments.csv:1:0: missing column 'status'",
            f"appointments.csv:1:{position}: unknown column 'status ': {UNKNOWN}; did you mean 'status'?"]


@case
def csv_renamed_dta(ds):
    _rename(ds, "service_status", "service_status.dta")
    return ["service_status.dta:0:0: content is text (CSV?), not a Stata dataset: rename it to service_status.csv"]


@case
def workbook_renamed_csv(ds):
    from openpyxl import Workbook

    ds.path("medications").unlink()
    Workbook().save(ds.folder / "medications.csv")
    return ["medications.csv:0:0: content is an Excel workbook (.xlsx), not a CSV file: rename it to medications.xlsx"]


@case
def fifo_instead_of_a_file(ds):
    import os

    ds.path("medications").unlink()
    os.mkfifo(ds.path("medications"))  # reading it would block forever
    return ["medications.csv:0:0: is a named pipe (FIFO), not a file: refused (replace it with the exported file)"]


@case
def folder_instead_of_a_file(ds):
    ds.path("medications").unlink()
    ds.path("medications").mkdir()
    return ["medications.csv:0:0: is a folder, not a file"]


@case
def byte_order_mark_and_a_windows_1252_byte(ds):
    text = ds.path("codebook").read_text(encoding="utf-8").split("\n")
    text[1] = "é" + text[1][1:]  # line 2 opens with an é, saved as Windows-1252, after a BOM
    ds.path("codebook").write_bytes(b"\xef\xbb\xbf" + "\n".join(text).encode("cp1252"))
    return ["codebook.csv:2:0: not UTF-8 text (byte 0xe9 at byte 1 of the line, 'é' in Windows-1252); "
            "save the file as UTF-8"]


@case
def a_data_file_the_contract_does_not_name(ds):
    (ds.folder / "patients_full.csv").write_text("name,nhs\nJ Smith,x\n", encoding="utf-8")
    return [f"{ds.folder}:0:0: not files of the raw data contract, never read: patients_full.csv: "
            "move them out of the data folder"]


@case
def nhs_number_in_a_note_beside_the_data(ds):
    (ds.folder / "notes.md").write_text("checked\nMr J Smith NHS 943 476 5919\n", encoding="utf-8")
    return [f"notes.md:2:0: {NHS}"]


# --- identifiers anywhere ------------------------------------------------------------------------------


@case
def nhs_number_with_dashes(ds):
    where = ds.set("invitations", 0, "practice", "943-476-5919")
    return [f"{where}: {NHS}"]


@case
def nhs_number_with_a_prefix(ds):
    where = ds.set("invitations", 0, "practice", "NHS 9434765919")
    return [f"{where}: {NHS}"]


@case
def nhs_number_inside_text(ds):
    where = ds.set("codebook", 0, "code_label", "Mr J Smith NHS 943 476 5919")
    return [f"{where}: {NHS}"]


@case
def nhs_number_as_a_spreadsheet_float(ds):
    row = ds.find("questionnaires", lambda r: r["value"] != "")
    where = ds.set("questionnaires", row, "value", "9434765919.0")
    return [f"{where}: {NHS}"]


@case
def nhs_number_as_a_column_name(ds):
    position = ds.rename_column("motivations", "present", "9434765919")
    return [f"motivations.csv:1:0: missing column 'present'",
            f"motivations.csv:1:{position}: column name looks like an NHS number (ten digits passing the "
            "modulus-11 check): refused as a possible direct identifier",
            f"motivations.csv:1:{position}: unknown column '9434765919': {UNKNOWN}"]


@case
def titled_name_in_practice(ds):
    where = ds.set("invitations", 0, "practice", "Dr Patel's list")
    return [f"{where}: {NAME}"]


@case
def name_as_participant_id(ds):
    where = ds.set("interviews", 0, "participant_id", "John Smith")
    return [f"{where}: {NAME}"]


# --- plausible values ---------------------------------------------------------------------------------


@pytest.mark.parametrize("sentinel", ["9999-12-31", "0001-01-01", "1677-09-20", "1899-12-30", "1970-01-01"])
def test_placeholder_dates_are_named(bad_base, conversion, sentinel):
    from painreview.reference import sentinel_dates

    where = bad_base.set("service_users", 0, "enrolled_on", sentinel)
    meaning = sentinel_dates()[sentinel]
    assert [str(p) for p in validate_dataset(bad_base.folder, conversion)] == [
        f"{where}: {sentinel!r} is a placeholder date, not a real one ({meaning}): enter the real date"]


@case
def appointment_date_outside_the_plausible_range(ds):
    where = ds.set("appointments", 0, "date", "1850-06-01")
    return [f"{where}: '1850-06-01' is outside the plausible range 1900-01-01 to 2099-12-31"]


@case
def date_far_in_the_future(ds):
    where = ds.set("invitations", 0, "invited_on", "2216-09-05")
    return [f"{where}: '2216-09-05' is outside the plausible range 1900-01-01 to 2099-12-31"]


@case
def dose_of_400_digits(ds):
    row = ds.find("prescriptions", lambda r: r["drug"] not in ("none",) and r["route"] == "oral")
    where = ds.set("prescriptions", row, "daily_dose", "9" * 400)
    return [f"{where}: '{'9' * 37}...' is out of range 0 to 5000"]


@case
def patch_dose_above_the_plausible_maximum(ds):
    row = first(ds, "prescriptions", route="transdermal")
    where = ds.set("prescriptions", row, "daily_dose", "2500")
    return [f"{where}: '2500' microgram_per_hour is above the plausible maximum 1000 (dose_limits.csv): "
            "check the unit and the number"]


# --- rows exported twice ---------------------------------------------------------------------------------


@case
def prescription_exported_twice(ds):
    header, rows = ds.read("prescriptions")
    row = ds.find("prescriptions", lambda r: r["drug"] != "none")
    line = ds.append("prescriptions", dict(zip(header, rows[row])))
    return [f"prescriptions.csv:{line}:0: row is identical to line {line_of(row)}: remove the copy "
            "(a record exported twice?)"]


@case
def appointments_exported_twice(ds):
    header, rows = ds.read("appointments")
    ds.write("appointments", header, rows + rows)
    n = len(rows)
    return [f"appointments.csv:{n + 2 + i}:0: row is identical to line {i + 2}: remove the copy "
            "(a record exported twice?)" for i in range(n)]


@case
def questionnaire_row_exported_twice(ds):
    header, rows = ds.read("questionnaires")
    line = ds.append("questionnaires", dict(zip(header, rows[5])))
    return [f"questionnaires.csv:{line}:0: row is identical to line 7: remove the copy (a record exported twice?)"]


# --- Excel -----------------------------------------------------------------------------------------------


def _sheet_rows(ds, name):
    header, rows = ds.read(name)
    return [header, *rows]


def _workbook(ds, name, sheets, hidden=()):
    """Replace table ``name``'s CSV by a workbook of ``sheets`` ({title: rows}); ``hidden`` titles hidden."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if title in hidden:
            sheet.sheet_state = "hidden"
    ds.path(name).unlink()
    path = ds.folder / f"{name}.xlsx"
    book.save(path)
    return path


@case
def workbook_with_two_visible_sheets(ds):
    rows = _sheet_rows(ds, "service_status")
    _workbook(ds, "service_status", {"Export": rows, "Old": rows})
    return ["service_status.xlsx:0:0: 2 visible sheets ('Export', 'Old') and none is named 'service_status': "
            "name the table's sheet 'service_status', or delete or hide the others"]


@case
def workbook_sheet_named_after_the_table_wins(ds):
    rows = _sheet_rows(ds, "service_status")
    stale = [rows[0]] + [[r[0], "active", ""] for r in rows[1:]]
    _workbook(ds, "service_status", {"Old": stale, "service_status": rows})
    return []


@case
def workbook_with_merged_cells(ds):
    from openpyxl import load_workbook

    path = _workbook(ds, "service_status", {"service_status": _sheet_rows(ds, "service_status")})
    book = load_workbook(path)
    book["service_status"].merge_cells("B3:B5")
    book.save(path)
    return ["service_status.xlsx:3:0: cells B3:B5 are merged: unmerge them and fill in every cell"]


@case
def workbook_formula_without_a_saved_value(ds):
    rows = _sheet_rows(ds, "service_users")
    at = rows[0].index("opioid_years")
    for row in rows[1:]:
        row[at] = "=2017-2016"  # openpyxl saves formulas without their values, as some tools do
    _workbook(ds, "service_users", {"service_users": rows})
    letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[at]
    more = len(rows) - 2
    return [f"service_users.xlsx:2:0: cell {letter}2 and {more} more holds a formula (=2017-2016) without a saved "
            "value: open the workbook in Excel and save it, or save with values"]


@case
def workbook_title_row_above_the_header(ds):
    rows = _sheet_rows(ds, "service_status")
    _workbook(ds, "service_status", {"service_status": [["Service status export, 31 March 2017"], [], *rows]})
    return ["service_status.xlsx:1:0: the column names are on line 3, not line 1: delete the title rows above them"]


@case
def nhs_number_on_another_sheet(ds):
    rows = _sheet_rows(ds, "service_status")
    _workbook(ds, "service_status", {"service_status": rows, "lookup": [["id", "nhs"], ["A003", "943 476 5919"]]},
              hidden=("lookup",))
    return [f"service_status.xlsx:2:2: sheet 'lookup' cell B2: {NHS}"]


def test_special_paths_are_one_line(tmp_path, conversion):
    long = tmp_path / ("x" * 300)
    assert [str(p) for p in validate_dataset(long, conversion)] == [f"{long}:0:0: cannot be read (File name too long)"]


def test_a_file_that_cannot_be_read_is_one_line(bad_base, conversion):
    import os

    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    bad_base.path("medications").chmod(0)
    assert [str(p) for p in validate_dataset(bad_base.folder, conversion)] == [
        "medications.csv:0:0: cannot be read (permission denied)"]


# --- accepted variants: the same tables as the clean CSV -----------------------------------------------


def _variant(ds, kind):
    import csv
    import io

    for path in sorted(ds.folder.glob("*.csv")):
        data = path.read_bytes()
        if kind == "bom":
            path.write_bytes(b"\xef\xbb\xbf" + data)
        elif kind == "crlf":
            path.write_bytes(data.replace(b"\n", b"\r\n"))
        elif kind == "quoted":  # every cell quoted, as REDCap and some CRF systems export
            records = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
            out = io.StringIO(newline="")
            csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(records)
            path.write_text(out.getvalue(), encoding="utf-8")
    if kind == "hidden_stale_sheet":  # a hidden first sheet holds a stale copy: the visible sheet is read
        rows = _sheet_rows(ds, "service_status")
        stale = [rows[0]] + [[r[0], "active", ""] for r in rows[1:]]
        _workbook(ds, "service_status", {"Sheet1": stale, "Sheet2": rows}, hidden=("Sheet1",))
    if kind == "coding_tool_ids":  # segment ids as a coding tool exports them
        header, rows = ds.read("coded_segments")
        at = header.index("segment_id")
        for i, row in enumerate(rows):
            row[at] = ("S%04d" % i, f"seg_{i}", str(400 + i))[i % 3]
        ds.write("coded_segments", header, rows)


@pytest.mark.parametrize("kind", ["bom", "crlf", "quoted", "hidden_stale_sheet", "coding_tool_ids"])
def test_accepted_variant_gives_the_tables_of_the_clean_csv(bad_base, tmp_path, conversion, kind):
    from conftest import copy_dataset
    from painreview.pipeline import build_tables, csv_text

    clean = copy_dataset(bad_base.folder, tmp_path / "clean")
    _variant(bad_base, kind)
    assert validate_dataset(bad_base.folder, conversion) == []
    expected = build_tables(load_dataset(clean.folder, conversion))
    got = build_tables(load_dataset(bad_base.folder, conversion))
    for name in expected:
        assert csv_text(got[name]) == csv_text(expected[name]), name


def test_at_most_200_problems_are_printed_then_a_count_by_file_and_rule(bad_base, capsys):
    from painreview.__main__ import main

    header, rows = bad_base.read("questionnaires")
    at = header.index("value")
    for row in rows:
        if row[at] != "":
            row[at] = "NA"
    bad_base.write("questionnaires", header, rows)
    n = sum(1 for row in rows if row[at] == "NA")
    assert main(["validate", str(bad_base.folder)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 200 + 3
    assert err[200] == f"... {n - 200} more problems not shown; all {n} by file and rule:"
    assert err[201] == f"{n:>9} questionnaires.csv: value: … {MISSING_CODE}"
    assert err[202] == f"{bad_base.folder}: {n} problems"


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 40


def test_the_base_is_valid(bad_base, conversion):
    assert validate_dataset(bad_base.folder, conversion) == []


@pytest.mark.parametrize("name", list(CASES))
def test_bad_dataset(bad_base, conversion, name):
    expected = CASES[name](bad_base)
    assert [str(p) for p in validate_dataset(bad_base.folder, conversion)] == expected


# --- the same data in Excel and Stata --------------------------------------------------------------


def _typed_columns():
    spec = reference.columns()
    return {name: dict(zip(spec.loc[spec["file"] == name, "column"], spec.loc[spec["file"] == name, "type"]))
            for name in reference.FILES}


def test_mini_as_xlsx_validates_and_loads_like_the_csv(mini_dir, tmp_path, conversion):
    csv_frames = load_dataset(mini_dir, conversion)
    _write_xlsx(csv_frames, tmp_path)
    assert validate_dataset(tmp_path, conversion) == []
    xlsx_frames = load_dataset(tmp_path, conversion)
    for name in reference.FILES:
        _assert_same(xlsx_frames[name], csv_frames[name], name)


def _write_xlsx(csv_frames, folder):
    """Write typed frames as one workbook per table, dates as Excel dates, numbers as numbers."""
    import pandas as pd
    from openpyxl import Workbook

    types = _typed_columns()
    for name, frame in csv_frames.items():
        book = Workbook()
        sheet = book.active
        sheet.append(list(frame.columns))
        for record in frame.itertuples(index=False):
            cells = []
            for column, value in zip(frame.columns, record):
                kind = types[name][column]
                if value is None or pd.isna(value):
                    cells.append(None)
                elif kind == "date":
                    cells.append(value.date())  # stored as an Excel date
                elif kind == "yesno":
                    cells.append("yes" if value else "no")
                elif kind == "integer":
                    cells.append(int(value))
                else:
                    cells.append(value)  # text, or a float (e.g. 52.5, 240.0)
            sheet.append(cells)
        book.save(folder / f"{name}.xlsx")


@pytest.mark.parametrize("fmt", ["xlsx", "dta"])
def test_synthetic_as_xlsx_or_dta_gives_byte_identical_tables(tmp_path, conversion, fmt):
    from painreview.pipeline import build_tables, csv_text

    synthetic = Path(__file__).resolve().parent.parent / "data" / "synthetic"
    csv_frames = load_dataset(synthetic, conversion)
    if fmt == "xlsx":
        _write_xlsx(csv_frames, tmp_path)
    else:
        for name, frame in csv_frames.items():
            _to_stata(name, frame, tmp_path / f"{name}.dta")
    assert validate_dataset(tmp_path, conversion) == []
    expected = build_tables(csv_frames)
    got = build_tables(load_dataset(tmp_path, conversion))
    for name in expected:
        assert csv_text(got[name]) == csv_text(expected[name]), name


def test_mini_as_dta_with_value_labels_validates_and_loads_like_the_csv(mini_dir, tmp_path, conversion):
    csv_frames = load_dataset(mini_dir, conversion)
    for name, frame in csv_frames.items():
        _to_stata(name, frame, tmp_path / f"{name}.dta")
    assert validate_dataset(tmp_path, conversion) == []
    dta_frames = load_dataset(tmp_path, conversion)
    for name in reference.FILES:
        _assert_same(dta_frames[name], csv_frames[name], name)


def test_dta_with_a_label_that_is_no_key_is_refused(mini_dir, tmp_path, conversion):
    import shutil

    for path in mini_dir.glob("*.csv"):
        shutil.copy(path, tmp_path)
    (tmp_path / "service_status.csv").unlink()
    frame = load_dataset(mini_dir, conversion)["service_status"]
    _to_stata("service_status", frame, tmp_path / "service_status.dta",
              relabel={"status": {"active": "Active client"}})
    # P01 (observation 1 → line 2) is active; status is column 2
    assert [str(p) for p in validate_dataset(tmp_path, conversion)] == [
        "service_status.dta:2:2: status: value label 'Active client' is not a key or label of the vocabulary of status"]


def _to_stata(name, frame, path, relabel=None):
    """Write typed frame as Stata: coded and yes/no columns as labelled integers (labels are
    the vocabulary's labels for yes/no and the keys elsewhere, so both lookups are used),
    dates as %td, integers as doubles with Stata missing."""
    import pandas as pd

    from painreview.readers import column_vocabularies

    types = _typed_columns()[name]
    vocabularies = column_vocabularies(name)
    out = {}
    labels = {}
    for column in frame.columns:
        kind = types[column]
        values = frame[column]
        if kind in ("coded", "yesno") and column in vocabularies:
            keys = list(vocabularies[column])
            texts = {key: (vocabularies[column][key] if kind == "yesno" else key) for key in keys}
            texts.update((relabel or {}).get(column, {}))
            as_key = values.map({True: "yes", False: "no"}) if kind == "yesno" else values
            out[column] = [float(keys.index(v) + 1) if isinstance(v, str) else float("nan") for v in as_key]
            labels[column] = {i + 1: texts[key] for i, key in enumerate(keys)}
        elif kind == "integer":
            out[column] = values.astype("float64")
        elif kind in ("id", "text", "key", "coded"):
            out[column] = values.fillna("")
        else:
            out[column] = values
    data = pd.DataFrame(out)
    dates = {c: "td" for c in frame.columns if types[c] == "date"}
    data.to_stata(path, write_index=False, version=118, convert_dates=dates, value_labels=labels)


def _assert_same(got, expected, name):
    import pandas as pd

    pd.testing.assert_frame_equal(got, expected, obj=name)
