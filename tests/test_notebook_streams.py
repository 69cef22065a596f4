"""Split stream outputs are joined, so a busy kernel cannot change a committed notebook."""

from painreview.notebook_run import coalesce_streams


def _stream(name, lines):
    return {"name": name, "output_type": "stream", "text": lines}


def test_consecutive_streams_of_one_name_are_joined_and_others_kept():
    nb = {"cells": [{"cell_type": "code", "outputs": [
        _stream("stdout", ["a\n", "b\n"]), _stream("stdout", ["results.csv\n"]), _stream("stderr", ["warn\n"]),
        {"output_type": "display_data", "data": {}}, _stream("stdout", ["c\n"])]},
        {"cell_type": "markdown", "source": ["x"]}]}
    out = coalesce_streams(nb)["cells"][0]["outputs"]
    assert out[0] == _stream("stdout", ["a\n", "b\n", "results.csv\n"])
    assert [o.get("name") for o in out] == ["stdout", "stderr", None, "stdout"]
    assert "outputs" not in nb["cells"][1]


def test_a_joined_line_split_mid_way_is_one_line():
    nb = {"cells": [{"cell_type": "code", "outputs": [_stream("stdout", ["ab"]), _stream("stdout", ["c\n"])]}]}
    assert coalesce_streams(nb)["cells"][0]["outputs"] == [_stream("stdout", ["abc\n"])]
