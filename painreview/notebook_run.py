"""Run the notebooks in one process, two kernels at a time, and make the executed copies
reproducible.

Kernels are started once and reused, reset between notebooks (a fresh namespace and
execution count, the imports kept), so a run pays the imports once per kernel.

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


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def coalesce_streams(outputs: list[dict]) -> list[dict]:
    """Consecutive stream outputs of one stream merged into one, as JupyterLab shows and
    saves them: how a kernel happens to flush a ``print`` must not change the file."""
    merged: list[dict] = []
    for output in outputs:
        last = merged[-1] if merged else None
        if (output.get("output_type") == "stream" and last is not None and last.get("output_type") == "stream"
                and last.get("name") == output.get("name")):
            last["text"] = (_text(last["text"]) + _text(output["text"])).splitlines(keepends=True)
        else:
            if output.get("output_type") == "stream":
                output = dict(output, text=_text(output["text"]).splitlines(keepends=True))
            merged.append(output)
    return merged


def scrub(nb: dict) -> dict:
    """Drop what changes from run to run or names the machine (times, papermill's
    bookkeeping), merge split stream outputs; keep the rest."""
    meta = nb.setdefault("metadata", {})
    meta.pop("papermill", None)
    for cell in nb.get("cells", []):
        cmeta = cell.get("metadata", {})
        for key in _VOLATILE_CELL:
            cmeta.pop(key, None)
        if "outputs" in cell:
            cell["outputs"] = coalesce_streams(cell["outputs"])
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


#: Run silently in a kernel between two notebooks: a fresh user namespace and execution
#: count 1, as a new kernel would have; imported modules stay, which is the point.
RESET = "get_ipython().reset(new_session=True)"


async def _execute(notebook: Path, km, kc) -> dict:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, km=km, timeout=1800, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.kc = kc  # the pool's client of the running kernel (NotebookClient() sets None)
    try:
        await client.async_execute()
    except CellExecutionError as exc:
        raise NotebookFailed(f"{notebook.name}: a cell failed:\n{exc}") from None
    return json.loads(nbformat.writes(nb))


async def _reset(km, kc) -> None:
    import nbformat
    from nbclient import NotebookClient

    client = NotebookClient(nbformat.v4.new_notebook(), km=km, timeout=120)
    client.kc = kc
    reply = await client.async_wait_for_reply(kc.execute(RESET, silent=True, store_history=False))
    if reply is None or reply["content"].get("status") != "ok":
        raise NotebookFailed(f"could not reset a kernel between notebooks: {(reply or {}).get('content')}")


async def _run_pool(notebooks: list[Path], env: dict[str, str], jobs: int) -> dict[Path, dict]:
    """Execute ``notebooks`` on ``jobs`` kernels started once: each kernel takes the next
    notebook when it is free, and is reset between two (``RESET``), so each pays the
    imports once instead of once per notebook. The audit notebook starts when the others
    have finished."""
    import asyncio

    from jupyter_client.manager import AsyncKernelManager

    queue: asyncio.Queue[Path] = asyncio.Queue()
    ordered = [b for b in notebooks if not is_audit(b)] + [b for b in notebooks if is_audit(b)]
    for book in ordered:
        queue.put_nowait(book)
    done: dict[Path, dict] = {}
    before_audit = asyncio.Event()
    remaining = {b for b in notebooks if not is_audit(b)}
    if not remaining:
        before_audit.set()

    async def worker() -> None:
        km = AsyncKernelManager(kernel_name="python3")
        await km.start_kernel(env=env, cwd=str(NOTEBOOKS))
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=300)
            fresh = True
            while not queue.empty():
                book = queue.get_nowait()
                if not fresh:
                    await _reset(km, kc)
                fresh = False
                if is_audit(book):
                    await before_audit.wait()  # the audit reads the tables the others write
                done[book] = await _execute(book, km, kc)
                remaining.discard(book)
                if not remaining:
                    before_audit.set()
        finally:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)

    await asyncio.gather(*(worker() for _ in range(max(1, min(jobs, len(notebooks))))))
    return done


def execute_notebooks(notebooks: list[Path], target, jobs: int = 2) -> list[Path]:
    """Execute ``notebooks`` (``jobs`` kernels, in this process) with the target's settings
    writing into ``target.root``; write each executed copy to ``notebooks/<name>`` through
    the guard; return the paths written. The first failure stops the run (NotebookFailed)."""
    from painreview import guard
    from painreview.settings import Settings

    import asyncio

    if not notebooks:
        return []
    settings = target.settings
    env = kernel_env(Settings(settings.data, target.root, settings.conversion, settings.sdc, settings.jobs))
    with _kernel_chatter_silenced():
        executed = asyncio.run(_run_pool(list(notebooks), env, jobs))
    return [guard.write(target, f"notebooks/{book.name}", dumps(scrub(executed[book]))) for book in notebooks]


def repository_notebooks() -> list[Path]:
    """The pipeline's notebooks, in order (``notebooks/NN_*.ipynb``)."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def is_audit(notebook: Path) -> bool:
    """The audit notebook reads the tables the others write, so it runs after them."""
    return "audit" in Path(notebook).stem
