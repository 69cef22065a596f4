"""Run a parameterised notebook with papermill and make the executed copy reproducible.

The committed notebooks are executed on ``data/synthetic`` with their default
parameters, so no machine-specific path enters them; a run on other data injects
absolute paths and writes its executed copy under ``OUT/notebooks`` only. Volatile
metadata (timestamps, durations, the interpreter's patch version) is removed so that
two runs give the same bytes.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

#: The values of the notebooks' ``parameters`` cells (paths relative to ``notebooks/``).
DEFAULTS = {
    "data_dir": "../data/synthetic",
    "out_dir": "..",
    "conversion": "opioids_aware",
    "sdc": "off",
}


def notebook_parameters(data: str | Path, out: str | Path, conversion: str, sdc: str,
                        notebook_dir: Path) -> dict[str, str]:
    """Parameters that differ from the notebook's defaults, paths made absolute."""
    wanted = {
        "data_dir": Path(data).resolve(),
        "out_dir": Path(out).resolve(),
        "conversion": conversion,
        "sdc": sdc,
    }
    params: dict[str, str] = {}
    for key, value in wanted.items():
        default = DEFAULTS[key]
        if isinstance(value, Path):
            if value != (notebook_dir / default).resolve():
                params[key] = str(value)
        elif value != default:
            params[key] = value
    return params


_VOLATILE_NB = ("start_time", "end_time", "duration", "input_path", "output_path", "version")
_VOLATILE_CELL = ("execution",)


def scrub(nb: dict) -> dict:
    """Drop metadata that changes from run to run (times, paths, versions); keep the rest."""
    meta = nb.setdefault("metadata", {})
    pm = meta.get("papermill")
    if isinstance(pm, dict):
        for key in _VOLATILE_NB:
            pm.pop(key, None)
    lang = meta.get("language_info")
    if isinstance(lang, dict):
        lang.pop("version", None)
    for cell in nb.get("cells", []):
        cmeta = cell.get("metadata", {})
        for key in _VOLATILE_CELL:
            cmeta.pop(key, None)
        cpm = cmeta.get("papermill")
        if isinstance(cpm, dict):
            for key in ("start_time", "end_time", "duration"):
                cpm.pop(key, None)
    return nb


def dumps(nb: dict) -> str:
    """Serialise as nbformat does (sorted keys, one-space indent), with a final newline."""
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


@contextlib.contextmanager
def _kernel_chatter_silenced():
    """Send the kernel's stderr (transport warnings, shutdown notices) to /dev/null.

    The kernel inherits file descriptor 2; what it prints there is noise, while a
    failing cell reaches us as papermill's exception, which the caller reports.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _sdc_on(sdc: str) -> bool:
    from painreview.sdc import is_on

    return is_on(sdc)


def hide_path(text: str, data: str | Path) -> str:
    """The notebook's JSON text with the data folder's absolute path replaced by its
    folder name: under disclosure control the data path leaves as its name only (issue
    #10; the injected parameters then read ``data_dir = "<name>"``)."""
    data = Path(data).resolve()
    return text.replace(json.dumps(str(data))[1:-1], json.dumps(data.name)[1:-1])


def output_notebook(notebook: Path, out: str | Path) -> Path:
    return Path(out) / "notebooks" / Path(notebook).name


def run_notebook(notebook: str | Path, data: str | Path, out: str | Path,
                 conversion: str = "opioids_aware", sdc: str = "off") -> Path:
    """Execute ``notebook`` on ``data`` into ``out``; returns the executed notebook's path.

    The notebook runs with ``notebooks/`` as its working directory (as nbval runs it).
    It is executed into a temporary file and moved into place only on success, so a
    failed run never replaces a committed notebook.
    """
    notebook = Path(notebook).resolve()
    target = output_notebook(notebook, out).resolve()
    params = notebook_parameters(data, out, conversion, sdc, notebook.parent)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".running-", suffix=".ipynb", dir=target.parent)
    os.close(fd)
    try:
        with _kernel_chatter_silenced():
            import papermill as pm

            pm.execute_notebook(
                str(notebook), tmp, parameters=params, cwd=str(notebook.parent),
                kernel_name="python3", progress_bar=False, log_output=False,
                request_save_on_cell_execute=False,
            )
        nb = json.loads(Path(tmp).read_text(encoding="utf-8"))
        text = dumps(scrub(nb))
        if _sdc_on(sdc):
            text = hide_path(text, data)
        Path(tmp).write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target
