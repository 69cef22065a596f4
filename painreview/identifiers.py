"""Direct identifiers in cells: NHS numbers (anywhere in a text) and titled personal names.

An NHS number is ten digits whose check digit passes the modulus-11 algorithm (NHS Data
Dictionary, "NHS Number": weights 10…2 on the first nine digits, check digit
= 11 − (sum mod 11), 11 → 0, 10 → no valid number). It is found however it is written:
``9434765919``, ``943 476 5919``, ``943-476-5919``, ``NHS 9434765919``, inside a text
(``Mr J Smith NHS 943 476 5919``) and as a spreadsheet number ``9434765919.0``. The check
digit keeps false positives rare: about one ten-digit number in eleven passes it by chance.

A personal name is caught only where a rule can see it: a title (Mr, Mrs, Ms, Miss, Mx, Dr)
followed by a capitalised word. What no rule catches is listed in ``docs/raw-data.md``.
"""

from __future__ import annotations

import re

_CANDIDATE = re.compile(
    r"(?<![0-9])"  # not the tail of a longer number
    r"([0-9]{3})[ -]?([0-9]{3})[ -]?([0-9]{4})"
    r"(?![0-9])(?!\.[0-9]*[1-9])"  # not the head of a longer number; ".0" (a float) is fine
)
"""Ten digits as 3-3-4 with optional single spaces or dashes between the groups."""

_WHOLE = re.compile(r"[0-9 ]+")

_TITLED_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+[A-Z][a-z'-]*\b")
"""A courtesy title and a capitalised word: ``Mr J Smith``, ``Mrs. Jones``, ``Dr Patel``."""


def check_digit_ok(digits: str) -> bool:
    """Ten digits whose tenth is the NHS modulus-11 check digit of the first nine."""
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1)))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def is_nhs_number(value: str) -> bool:
    """A whole value of ten digits (spaces allowed) passing the modulus-11 check."""
    if not _WHOLE.fullmatch(value):
        return False
    digits = value.replace(" ", "")
    return len(digits) == 10 and check_digit_ok(digits)


def contains_nhs_number(text: str) -> bool:
    """Some ten digits in ``text`` (3-3-4, spaces or dashes, a prefix or words around, a
    trailing ``.0``) pass the modulus-11 check."""
    if sum(c.isdigit() for c in text) < 10:
        return False
    return any(check_digit_ok("".join(m.groups())) for m in _CANDIDATE.finditer(text))


def looks_like_titled_name(text: str) -> bool:
    """A courtesy title followed by a capitalised word (``Mr J Smith``)."""
    return _TITLED_NAME.search(text) is not None
