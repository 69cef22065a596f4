"""Where things are, whatever the working directory: the repository, its synthetic data,
and the settings a notebook runs with.

A notebook's parameters default to None. None means: the setting the driver handed to
the kernel (``PAINREVIEW_DATA``, ``PAINREVIEW_OUT``, ``PAINREVIEW_CONVERSION``,
``PAINREVIEW_SDC``, set by ``python -m painreview run``), and otherwise the repository's
own run: ``data/synthetic`` into the repository root, Opioids Aware, SDC off. So
``papermill notebooks/02_table1.ipynb out.ipynb`` works from the repository root and from
``notebooks/`` alike, JupyterLab needs no parameters, and the driver injects no path into
an executed notebook. A path given as a parameter is taken relative to the working
directory, and a missing folder is reported with its resolved absolute path.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SYNTHETIC = REPO / "data" / "synthetic"
NOTEBOOKS = REPO / "notebooks"

#: Environment variables through which the driver hands its settings to the kernels.
KERNEL_ENV = {"data_dir": "PAINREVIEW_DATA", "out_dir": "PAINREVIEW_OUT",
              "conversion": "PAINREVIEW_CONVERSION", "sdc": "PAINREVIEW_SDC"}


def notebook_settings(data_dir=None, out_dir=None, conversion=None, sdc=None, environ=None):
    """The settings of a notebook run (``painreview.settings.Settings``): each parameter as
    given, else the driver's environment variable, else the repository's default."""
    from painreview.settings import parse_settings

    environ = os.environ if environ is None else environ
    given = {"data_dir": data_dir, "out_dir": out_dir, "conversion": conversion, "sdc": sdc}
    values = {key: value if value is not None else (environ.get(KERNEL_ENV[key]) or None)
              for key, value in given.items()}
    return parse_settings(data=values["data_dir"], out=values["out_dir"],
                          conversion=values["conversion"], sdc=values["sdc"])
