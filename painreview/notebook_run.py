"""Run the notebooks in one process, two kernels at a time, and make the executed copies
reproducible.

The notebooks' parameters default to None (``painreview.paths``): the driver hands its
settings to the kernels in environment variables and injects nothing, so an executed
notebook holds no machine-specific path, whatever the data. Each notebook is executed by
nbclient (the engine papermill uses) with ``notebooks/`` as its working directory, as
nbval runs it; its executed copy is written through the guard (``painreview.guard``),
into the run's staging folder. Volatile metadata (timestamps, durations, papermill's
bookkeeping) is removed, so two runs give the same bytes; ``kernelspec`` and
``language_info`` are left as the kernel reports them, which is what JupyterLab writes,
so opening and saving a committed notebook in JupyterLab changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from pathlib import Path

from painreview.paths import KERNEL_ENV, NOTEBOOKS

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
_VOLATILE_CELL = ("execution", "papermill")


class NotebookFailed(RuntimeError):
    """A notebook raised: the message names the notebook and the failing cell's error."""


def scrub(nb: dict) -> dict:
    """Drop what changes from run to run or names the machine (times, papermill's
    bookkeeping); keep the rest."""
    meta = nb.setdefault("metadata", {})
    meta.pop("papermill", None)
    for cell in nb.get("cells", []):
        cmeta = cell.get("metadata", {})
        for key in _VOLATILE_CELL:
            cmeta.pop(key, None)
    return nb


def dumps(nb: dict) -> str:
    """Serialise as nbformat and JupyterLab do (sorted keys, one-space indent, characters
    kept), with a final newline."""
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def kernel_env(settings) -> dict[str, str]:
    """The environment of a kernel running a notebook with ``settings``."""
    env = dict(os.environ)
    env.update({KERNEL_ENV["data_dir"]: str(settings.data), KERNEL_ENV["out_dir"]: str(settings.out),
                KERNEL_ENV["conversion"]: settings.conversion, KERNEL_ENV["sdc"]: settings.sdc_text})
    env.pop("PYDEVD_USE_FRAME_EVAL", None)
    return env


@contextlib.contextmanager
def _kernel_chatter_silenced():
    """Send the kernels' stderr (transport warnings, shutdown notices) to /dev/null; a
    failing cell reaches us as an exception instead."""
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


async def _execute(notebook: Path, env: dict[str, str]) -> dict:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, timeout=1800, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    try:
        await client.async_execute(env=env)
    except CellExecutionError as exc:
        raise NotebookFailed(f"{notebook.name}: a cell failed:\n{exc}") from None
    return json.loads(nbformat.writes(nb))


def execute_notebooks(notebooks: list[Path], target, jobs: int = 2) -> list[Path]:
    """Execute ``notebooks`` (``jobs`` kernels at a time, in this process) with the target's
    settings writing into ``target.root``; write each executed copy to
    ``notebooks/<name>`` through the guard; return the paths written. The first failure
    stops the run (NotebookFailed)."""
    from painreview import guard
    from painreview.settings import Settings

    settings = target.settings
    env = kernel_env(Settings(settings.data, target.root, settings.conversion, settings.sdc, settings.jobs))

    async def run_all() -> list[dict]:
        gate = asyncio.Semaphore(max(1, jobs))

        async def one(book: Path) -> dict:
            async with gate:
                return await _execute(book, env)

        return await asyncio.gather(*(one(book) for book in notebooks))

    with _kernel_chatter_silenced():
        executed = asyncio.run(run_all()) if notebooks else []
    return [guard.write(target, f"notebooks/{book.name}", dumps(scrub(nb)))
            for book, nb in zip(notebooks, executed)]


def repository_notebooks() -> list[Path]:
    """The pipeline's notebooks, in order (``notebooks/NN_*.ipynb``)."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def is_audit(notebook: Path) -> bool:
    """The audit notebook reads the tables the others write, so it runs after them."""
    return "audit" in Path(notebook).stem
