"""Plain scalars resolved by the YAML 1.2 core schema: null, booleans, 64-bit integers and
floats; everything else stays a string (so dates and timestamps stay strings)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from resource_registry.base.safetext import int64

_CORE_CONSTANTS: Final[dict[str, object]] = {
    "~": None,
    "null": None,
    "Null": None,
    "NULL": None,
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
    ".inf": float("inf"),
    ".Inf": float("inf"),
    ".INF": float("inf"),
    "+.inf": float("inf"),
    "+.Inf": float("inf"),
    "+.INF": float("inf"),
    "-.inf": float("-inf"),
    "-.Inf": float("-inf"),
    "-.INF": float("-inf"),
    ".nan": float("nan"),
    ".NaN": float("nan"),
    ".NAN": float("nan"),
}
_DECIMAL: Final = re.compile(r"[-+]?[0-9]+")
_OCTAL: Final = re.compile(r"0o[0-7]+")
_HEX: Final = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT: Final = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_NUMBER_START: Final = frozenset("0123456789+-.")
_MAYBE_NOT_STRING: Final = _NUMBER_START | {word[0] for word in _CORE_CONSTANTS}
# Digits (leading zeros aside) beyond which an integer cannot fit in 64 bits: converting
# a longer decimal string would also hit Python's limit on integer digits.
_MAX_DIGITS: Final = {10: 19, 16: 16, 8: 22}


@dataclass(frozen=True, slots=True)
class OutOfRange:
    """What :func:`core_scalar` makes of an integer outside the signed 64-bit range: a
    number that no later step could hold. The reader reports it (P014); it never reaches
    a document."""

    text: str


def core_scalar(value: str) -> object:
    """Resolve a plain scalar by the YAML 1.2 core schema; an integer outside the signed
    64-bit range is an :class:`OutOfRange` (never a str: it is not a string either)."""
    if not value:
        return None
    first = value[0]
    if first not in _MAYBE_NOT_STRING:
        return value
    if first in _NUMBER_START:
        if _DECIMAL.fullmatch(value):
            return _integer(value, value.lstrip("+-"), 10)
        if _FLOAT.fullmatch(value):
            return float(value)
    if value in _CORE_CONSTANTS:
        return _CORE_CONSTANTS[value]
    if value[:2] == "0o" and _OCTAL.fullmatch(value):
        return _integer(value, value[2:], 8)
    if value[:2] == "0x" and _HEX.fullmatch(value):
        return _integer(value, value[2:], 16)
    return value


def _integer(text: str, digits: str, base: int) -> int | OutOfRange:
    if len(digits.lstrip("0")) > _MAX_DIGITS[base]:
        return OutOfRange(text)
    number = int(digits, base)
    if text[0] == "-":
        number = -number
    return number if int64(number) else OutOfRange(text)
