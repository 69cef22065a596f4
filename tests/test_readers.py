"""painreview.readers: every format to text cells with the lines a person would look at."""

from __future__ import annotations

import datetime as dt

import pytest

from painreview.readers import ReadError, column_vocabularies, read_file, read_table


def write(path, text: str | bytes):
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


# --- CSV -------------------------------------------------------------------------------------


def test_csv_cells_are_text_and_only_an_empty_cell_is_missing(tmp_path):
    table = read_file(write(tmp_path / "t.csv", "a,b,c\nNA,,.\nn/a,-99,null\n"))
    assert table.file == "t.csv"
    assert table.header == ("a", "b", "c")
    assert table.rows == (("NA", "", "."), ("n/a", "-99", "null"))
    assert table.lines == (2, 3)


def test_csv_line_is_where_the_record_starts_when_a_quoted_cell_spans_lines(tmp_path):
    # line 1 header; line 2-3 one record ("x\ny"); line 4 the next; line 5-7 a cell over 3 lines; line 8
    text = 'a,b\n1,"x\ny"\n2,z\n3,"p\nq\nr"\n4,w\n'
    table = read_file(write(tmp_path / "t.csv", text))
    assert table.rows == (("1", "x\ny"), ("2", "z"), ("3", "p\nq\nr"), ("4", "w"))
    assert table.lines == (2, 4, 5, 8)


def test_csv_byte_order_mark_and_crlf_are_tolerated(tmp_path):
    table = read_file(write(tmp_path / "t.csv", b"\xef\xbb\xbfpatient_id,sex\r\nP01,female\r\nP02,male\r\n"))
    assert table.header == ("patient_id", "sex")
    assert table.rows == (("P01", "female"), ("P02", "male"))
    assert table.lines == (2, 3)


def test_csv_blank_lines_are_skipped_but_counted(tmp_path):
    # line 3 is blank: the next record is on line 4
    table = read_file(write(tmp_path / "t.csv", "a,b\n1,2\n\n3,4\n"))
    assert table.rows == (("1", "2"), ("3", "4"))
    assert table.lines == (2, 4)


def test_csv_ragged_rows_come_back_as_they_are(tmp_path):
    table = read_file(write(tmp_path / "t.csv", "a,b,c\n1,2\n1,2,3,4\n"))
    assert table.rows == (("1", "2"), ("1", "2", "3", "4"))


@pytest.mark.parametrize(
    "text, line, message",
    [
        # a stray character after a closing quote on line 3
        ('a,b\n1,2\n"x"y,3\n', 3, "not parseable CSV: ',' expected after '\"'"),
        # a quote opened on line 2 and never closed: reported where the record starts
        ('a,b\n1,"open\n2,3\n', 2, "not parseable CSV: unexpected end of data"),
        ("", 0, "file is empty (no header row)"),
    ],
)
def test_csv_that_cannot_be_parsed_is_one_error(tmp_path, text, line, message):
    with pytest.raises(ReadError) as err:
        read_file(write(tmp_path / "t.csv", text))
    assert (err.value.file, err.value.line, err.value.message) == ("t.csv", line, message)


def test_csv_not_utf8_names_the_line_of_the_bad_byte(tmp_path):
    # Latin-1 "é" (0xe9) on line 3
    with pytest.raises(ReadError) as err:
        read_file(write(tmp_path / "t.csv", b"a,b\n1,2\ncaf\xe9,3\n"))
    assert str(err.value) == ("t.csv:3: not UTF-8 text (byte 0xe9 at byte 4 of the line, 'é' in Windows-1252); "
                              "save the file as UTF-8")


def test_csv_with_a_byte_order_mark_names_the_right_line_and_byte_of_a_bad_byte(tmp_path):
    # the BOM takes bytes 1-3 of line 1; a Windows-1252 "é" (0xe9) opens line 2
    with pytest.raises(ReadError) as err:
        read_file(write(tmp_path / "t.csv", b"\xef\xbb\xbfa,b\n\xe9,2\n"))
    assert str(err.value) == ("t.csv:2: not UTF-8 text (byte 0xe9 at byte 1 of the line, 'é' in Windows-1252); "
                              "save the file as UTF-8")


# --- the folder: which file holds a table ----------------------------------------------------


def test_missing_table_is_named_as_its_csv(tmp_path):
    with pytest.raises(ReadError) as err:
        read_table(tmp_path, "invitations")
    assert str(err.value) == "invitations.csv:0: file is missing"


def test_one_table_in_two_formats_is_an_error(tmp_path):
    write(tmp_path / "invitations.csv", "patient_id\nP01\n")
    write(tmp_path / "invitations.xlsx", b"")
    with pytest.raises(ReadError) as err:
        read_table(tmp_path, "invitations")
    assert str(err.value) == (
        "invitations.csv:0: one table in 2 formats (invitations.csv, invitations.xlsx): keep exactly one")


def test_unsupported_extension_is_refused(tmp_path):
    with pytest.raises(ReadError, match="unsupported format '.sav'"):
        read_file(write(tmp_path / "t.sav", b"x"))


def test_a_damaged_workbook_is_one_error_not_a_traceback(tmp_path):
    with pytest.raises(ReadError) as err:
        read_file(write(tmp_path / "t.xlsx", b"PK\x03\x04 but no zip file"))
    assert err.value.line == 0
    assert err.value.message.startswith("cannot be read as an Excel workbook (")


# --- Excel ------------------------------------------------------------------------------------


def test_xlsx_first_sheet_dates_numbers_and_rows(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["patient_id", "enrolled_on", "age_years", "daily_dose", None])  # used range past the header
    sheet.append(["P01", dt.date(2016, 9, 20), 52, 52.5, None])
    sheet.append(["P02", dt.datetime(2016, 9, 21), 47.0, 0.1, None])
    sheet.append([None, None, None, None, None])  # row 4 blank: skipped, row 5 keeps its number
    sheet.append(["P03", dt.datetime(2016, 9, 21, 10, 30), True, 1e-7, None])
    hidden = book.create_sheet("ignored")  # a hidden sheet is never the table
    hidden.append(["other", "sheet"])
    hidden.sheet_state = "hidden"
    book.save(tmp_path / "t.xlsx")

    table = read_file(tmp_path / "t.xlsx")
    assert table.header == ("patient_id", "enrolled_on", "age_years", "daily_dose")
    assert table.rows == (
        ("P01", "2016-09-20", "52", "52.5"),  # an Excel date → ISO text; an int as written
        ("P02", "2016-09-21", "47", "0.1"),  # midnight datetime → date; whole float without ".0"
        ("P03", "2016-09-21T10:30:00", "TRUE", "0.0000001"),  # time kept (refused later); no exponent
    )
    assert table.lines == (2, 3, 5)


# --- Stata ------------------------------------------------------------------------------------


def _write_dta(path, frame, **kwargs):
    frame.to_stata(path, write_index=False, version=118, **kwargs)
    return path


def test_dta_labels_become_keys_and_lines_are_observation_plus_one(tmp_path):
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame({
        "patient_id": ["P01", "P02", "P03"],
        "sex": [1, 2, 1],  # labels: "Female" is the vocabulary's label, "male" its key
        "enrolled_on": pd.to_datetime(["2016-09-20", "2016-09-21", None]),
        "daily_dose": np.array([52.5, 0.1, np.nan], dtype=np.float32),
        "age_years": [52.0, np.nan, 38.0],
    })
    path = _write_dta(tmp_path / "service_users.dta", frame, convert_dates={"enrolled_on": "td"},
                      value_labels={"sex": {1: "Female", 2: "male"}})
    table = read_file(path, column_vocabularies("service_users"))
    assert table.header == ("patient_id", "sex", "enrolled_on", "daily_dose", "age_years")
    assert table.rows == (
        ("P01", "female", "2016-09-20", "52.5", "52"),
        ("P02", "male", "2016-09-21", "0.1", ""),  # float32 0.1 reads back as "0.1"
        ("P03", "female", "", "", "38"),
    )
    assert table.lines == (2, 3, 4)
    assert table.refused == ()


def test_dta_label_that_is_no_key_or_label_is_refused(tmp_path):
    import pandas as pd

    frame = pd.DataFrame({"patient_id": ["P01", "P02"], "sex": [1, 2]})
    path = _write_dta(tmp_path / "service_users.dta", frame, value_labels={"sex": {1: "Femme", 2: "male"}})
    table = read_file(path, column_vocabularies("service_users"))
    # observation 1 → line 2, column 2
    assert table.refused == ((2, 2, "value label 'Femme' is not a key or label of the vocabulary of sex"),)
    assert table.rows == (("P01", "Femme"), ("P02", "male"))


def test_dta_labels_on_a_column_without_vocabulary_are_refused(tmp_path):
    import pandas as pd

    frame = pd.DataFrame({"patient_id": ["P01"], "practice": [1]})
    path = _write_dta(tmp_path / "invitations.dta", frame, value_labels={"practice": {1: "A"}})
    table = read_file(path, column_vocabularies("invitations"))
    assert table.refused == ((2, 2, "value label 'A' is not a key or label (practice takes no vocabulary)"),)


def test_column_vocabularies_come_from_the_reference_files():
    service_users = column_vocabularies("service_users")
    assert service_users["sex"] == {"female": "Female", "male": "Male"}
    assert service_users["disability"] == {"yes": "Yes", "no": "No"}
    assert "age_years" not in service_users  # no vocabulary
    items = column_vocabularies("questionnaires")["item"]
    assert len(items) == 17 + 4 + 1 + 7 + 14 + 3  # COMM, BPI severity, relief, interference, WEMWBS, TOP
    assert items["bpi_8_relief"] == "% relief from pain medication in last 24 hours"


# --- the folder: which files are the contract's -------------------------------------------------


def test_contract_files_are_the_tables_only(tmp_path):
    from painreview.readers import contract_files, other_files

    for name in ("invitations.csv", "service_users.xlsx", "notes.csv", "Invitations.csv", "README.md"):
        write(tmp_path / name, "x\n")
    assert [p.name for p in contract_files(tmp_path)] == ["invitations.csv", "service_users.xlsx"]
    assert other_files(tmp_path) == ["Invitations.csv", "README.md", "notes.csv"]


def test_a_fifo_is_refused_without_blocking(tmp_path):
    import os

    os.mkfifo(tmp_path / "medications.csv")
    with pytest.raises(ReadError) as err:
        read_table(tmp_path, "medications")
    assert err.value.message == "is a named pipe (FIFO), not a file: refused (replace it with the exported file)"


@pytest.mark.parametrize("titles, visible, chosen", [
    (["Sheet1", "Sheet2"], [False, True], 1),  # a hidden stale copy first: the visible sheet
    (["Old", "invitations"], [True, True], 1),  # the sheet named after the table
    (["invitations", "invitations_v2"], [False, True], 0),  # named after it, even hidden
    (["Only"], [True], 0),
])
def test_the_sheet_of_a_table(titles, visible, chosen):
    from painreview.readers import choose_sheet

    assert choose_sheet(titles, visible, "invitations") == chosen


def test_several_candidate_sheets_are_named():
    from painreview.readers import choose_sheet

    with pytest.raises(ValueError, match=r"2 visible sheets \('A', 'B'\) and none is named 'invitations'"):
        choose_sheet(["A", "B"], [True, True], "invitations")


def test_unquoted_and_quoted_csv_read_alike(tmp_path):
    # the fast reader (no quote in the file) and the csv module give the same table
    plain = read_file(write(tmp_path / "a.csv", "a,b\n1,\n\n,\n3,4\n"))
    quoted = read_file(write(tmp_path / "b.csv", 'a,b\n"1",\n\n,\n3,"4"\n'))
    assert plain.header == quoted.header == ("a", "b")
    assert plain.rows == quoted.rows == (("1", ""), ("3", "4"))
    assert plain.lines == quoted.lines == (2, 5)
