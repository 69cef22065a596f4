"""Load a dataset folder into typed DataFrames, one per raw data file.

The typed frames are the interface between the data layer and every analysis
function. ``load_dataset(folder)`` validates first and raises ``DataError`` (with every
problem) when the folder breaks the raw data contract; otherwise it returns a dict
keyed by file stem (``painreview.reference.FILES``) with, per column type of
``painreview/data/columns.csv``:

- id, text, key, coded: ``object`` dtype holding ``str``; missing is ``None``
- yesno: pandas ``boolean`` (True/False/<NA>)
- integer: pandas ``Int64`` (<NA> missing)
- number: ``float64`` (NaN missing)
- date: ``datetime64[ns]`` (NaT missing)

Rows keep the file's order; the index is a fresh RangeIndex.
"""
