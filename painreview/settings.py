"""A run's settings, parsed once before anything runs: DATA, OUT, CONVERSION, SDC (and JOBS).

Every entry point (``make all``/``make tables`` through ``python -m painreview run``, each
command, each notebook) parses its settings here first. A bad value is one line naming
the setting and its allowed values (:class:`SettingError`, exit 2), before anything is
read or written. Paths are taken as they are given: make hands them over in environment
variables (``--env``), never through a shell command line, so spaces, quotes and other
shell characters are never split or executed. No pandas here: the no-op rebuild parses
its settings in a bare interpreter.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from painreview.paths import REPO, SYNTHETIC

SDC_VALUES = ("on", "off")
DEFAULTS = {"DATA": str(SYNTHETIC), "OUT": str(REPO), "CONVERSION": "opioids_aware", "SDC": "off", "JOBS": "2"}
MAX_JOBS = 8


class SettingError(ValueError):
    """One bad setting: its message is the one line shown to the user (exit 2)."""


@dataclass(frozen=True)
class Settings:
    data: Path  # absolute
    out: Path  # absolute
    conversion: str
    sdc: bool
    jobs: int = 2

    @property
    def sdc_text(self) -> str:
        return "on" if self.sdc else "off"

    def record(self) -> dict:
        """The settings as recorded in ``manifest.json`` and on the report: the data
        folder by its name only (never its path), the conversion table, SDC."""
        return {"data": self.data.name, "conversion": self.conversion, "sdc": self.sdc_text}


def conversion_names() -> list[str]:
    """The conversion tables the package ships (``painreview/data/mme_<NAME>.csv``)."""
    folder = Path(__file__).resolve().parent / "data"
    return sorted(p.name[len("mme_"):-len(".csv")] for p in folder.glob("mme_*.csv"))


def _path(name: str, value: str | os.PathLike) -> Path:
    text = os.fspath(value)
    if text == "":
        raise SettingError(f"{name}: empty; give a folder")
    if "\0" in text or "\n" in text or "\r" in text:
        raise SettingError(f"{name}: {text!r} holds a control character; give a plain folder path")
    return Path(os.path.abspath(os.path.expanduser(text)))


def parse_sdc(value: object) -> bool:
    """``on`` → True, ``off`` → False (case and surrounding blanks ignored); a bool passes."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in SDC_VALUES:
        raise SettingError(f"SDC: {str(value)!r} is not allowed; allowed values: {', '.join(SDC_VALUES)}")
    return text == "on"


def parse_conversion(value: object) -> str:
    names = conversion_names()
    text = str(value).strip()
    if text not in names:
        raise SettingError(f"CONVERSION: {str(value)!r} is not a conversion table; allowed values: {', '.join(names)}")
    return text


def parse_jobs(value: object) -> int:
    try:
        jobs = int(str(value).strip())
    except ValueError:
        jobs = 0
    if not 1 <= jobs <= MAX_JOBS:
        raise SettingError(f"JOBS: {str(value)!r} is not allowed; allowed values: a whole number from 1 to {MAX_JOBS}")
    return jobs


def parse_settings(data=None, out=None, conversion=None, sdc=None, jobs=None) -> Settings:
    """Check every setting (None: its default) and return them; SettingError on the first bad one.

    DATA must be an existing folder (the message shows the resolved absolute path). OUT
    may be new; when it exists it must be a folder. Whether OUT may be written at all is
    the guard's question (``painreview.guard``), asked next.
    """
    data_path = _path("DATA", DEFAULTS["DATA"] if data is None else data)
    out_path = _path("OUT", DEFAULTS["OUT"] if out is None else out)
    conversion_name = parse_conversion(DEFAULTS["CONVERSION"] if conversion is None else conversion)
    sdc_on = parse_sdc(DEFAULTS["SDC"] if sdc is None else sdc)
    job_count = parse_jobs(DEFAULTS["JOBS"] if jobs is None else jobs)
    if not data_path.exists():
        raise SettingError(f"DATA: no such folder: {data_path}")
    if not data_path.is_dir():
        raise SettingError(f"DATA: not a folder: {data_path}")
    if out_path.exists() and not out_path.is_dir():
        raise SettingError(f"OUT: {out_path} exists and is not a folder; give a new or empty folder")
    return Settings(data_path, out_path, conversion_name, sdc_on, job_count)


def settings_from_env(environ=None) -> Settings:
    """The settings make exports (``DATA``, ``OUT``, ``CONVERSION``, ``SDC``, ``JOBS``); an
    unset or empty variable takes its default."""
    environ = os.environ if environ is None else environ
    for name in ("DATA", "OUT"):
        raw = environ.get(f"MAKE_RAW_{name}")
        if raw is not None and "$" in raw and raw != environ.get(name, ""):
            raise SettingError(f"{name}: {raw!r} holds '$', which make expands (to {environ.get(name, '')!r}); "
                               f"rename the folder, or give the path in the environment: {name}=... make")
    values = {name.lower(): (environ.get(name) or None) for name in DEFAULTS}
    return parse_settings(**values)


HELP = {
    "DATA": "dataset folder (the raw data contract, docs/raw-data.md)",
    "OUT": "output root: OUT/tables, OUT/figures, OUT/notebooks, OUT/report.html",
    "CONVERSION": "morphine-equivalent table: " + " or ".join(conversion_names()),
    "SDC": "disclosure control of every output: " + " or ".join(reversed(SDC_VALUES)),
    "JOBS": f"notebooks run at once (1 to {MAX_JOBS})",
}


def help_lines() -> list[str]:
    """The settings with their defaults, for ``make help`` (the defaults are said only here)."""
    lines = ["Settings (make TARGET NAME=value), with their defaults:"]
    for name, default in DEFAULTS.items():
        shown = os.path.relpath(default, REPO) if name in ("DATA", "OUT") else default
        lines.append(f"  {name:<12} {shown:<20} {HELP[name]}")
    return lines
