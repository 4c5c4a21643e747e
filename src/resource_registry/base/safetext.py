"""The rules every value in every data file obeys, whatever its field, and the escaping
of data on its way to a terminal, and the names that must not become file names.

Numbers: integers fit a signed 64-bit integer and floats are finite, so that every later
step (JSON, CSV, PostgreSQL, the site) can hold them; the reader enforces this while it
builds a document (P014, P015).

Characters, checked in every string and every mapping key (C009, C013):

- control characters (C0, DEL, C1) are refused, except a tab, and a line break (LF) in
  the fields that hold several lines (a resource's summary, review, abstract, key points
  and ``legacy`` values);
- bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) are
  refused: "Trojan Source" text that reads differently from what it says;
- invisible characters (:data:`INVISIBLE`) are refused: zero-width space, the direction
  marks LRM, RLM and ALM, the word joiner and invisible operators, the Mongolian vowel
  separator, a byte order mark inside text, and the line and paragraph separators;
- the zero-width non-joiner and joiner (U+200C, U+200D) are needed by real text: emoji
  sequences (a family, a profession, a flag), Persian and Urdu words, and the conjuncts
  of Indic scripts. They are allowed in values between two visible characters, and
  refused in keys, which are names that must not have look-alikes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Final

from resource_registry.base.findings import Pointer

INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1

BIDI_CONTROLS: Final = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
INVISIBLE: Final = frozenset(
    "\u200b\u200e\u200f\u061c\u180e\u2060\u2061\u2062\u2063\u2064\ufeff\u2028\u2029"
)
JOINERS: Final = frozenset("\u200c\u200d")

# Device names that Windows reserves, alone or before any extension (`con`, `nul.txt`,
# `com1.tar.gz`) and in any case: no file so named can be created or opened there.
_DIGITS: Final = "0123456789\u00b9\u00b2\u00b3"
WINDOWS_RESERVED: Final = frozenset(
    {"con", "prn", "aux", "nul", *(f"{port}{n}" for port in ("com", "lpt") for n in _DIGITS)}
)


def windows_reserved(name: str) -> bool:
    """Whether ``name`` (a file name, or what will become one) is reserved on Windows."""
    return name.split(".", 1)[0].rstrip(" ").casefold() in WINDOWS_RESERVED


# (code, pointer, message, hint, on_key), for ``records.Locator``
ValueProblem = tuple[str, Pointer, str, str | None, bool]

_ALLOWED_CONTROLS: Final = frozenset("\t")
_ALLOWED_CONTROLS_MULTI_LINE: Final = frozenset("\t\n")


def int64(value: int) -> bool:
    return INT64_MIN <= value <= INT64_MAX


def refused_character(
    text: str, *, line_breaks: bool = False, key: bool = False
) -> tuple[str, str] | None:
    """The code (C009 or C013) and a description of the first character that ``text``
    may not hold, or None. ``line_breaks`` allows LF; a ``key`` holds no control at all
    and no joiner. Printable text is never refused."""
    if text.isprintable():
        return None
    allowed = "" if key else ("\t\n" if line_breaks else "\t")
    for index, char in enumerate(text):
        if char.isprintable() or (char in allowed):
            continue
        if unicodedata.category(char) == "Cc":
            what = "a line break" if char == "\n" else f"the control character {_u(char)}"
            return "C009", what
        if char in BIDI_CONTROLS:
            return "C009", f"the bidirectional control {_u(char)}"
        if char in INVISIBLE:
            return "C013", f"the invisible character {_u(char)}"
        if char in JOINERS and (key or not _between_visible(text, index)):
            where = "in a key" if key else "that does not join two visible characters"
            return "C013", f"the joiner {_u(char)} {where}"
    return None


def _between_visible(text: str, index: int) -> bool:
    if index == 0 or index == len(text) - 1:
        return False
    return _visible(text[index - 1]) and _visible(text[index + 1])


def _visible(char: str) -> bool:
    return char.isprintable() and not char.isspace()


def _u(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


def value_problems(
    data: object,
    pointer: Pointer = (),
    *,
    multi_line: frozenset[str] = frozenset(),
    line_breaks: bool = False,
) -> Iterator[ValueProblem]:
    """Every refused character in the strings and keys of ``data``. Values under the
    top-level keys in ``multi_line`` may hold line breaks."""
    if not pointer and _all_printable(data):  # the usual case: nothing to refuse
        return
    if type(data) is str:
        if found := refused_character(data, line_breaks=line_breaks):
            yield _problem(found, pointer, on_key=False)
    elif type(data) is dict:
        for key, value in data.items():
            here = (*pointer, key) if isinstance(key, str | int) else pointer
            if type(key) is str and (found := refused_character(key, key=True)):
                yield _problem(found, here, on_key=True)
            breaks = line_breaks or (not pointer and key in multi_line)
            yield from value_problems(value, here, line_breaks=breaks)
    elif type(data) is list:
        for index, item in enumerate(data):
            yield from value_problems(item, (*pointer, index), line_breaks=line_breaks)


def _all_printable(data: object) -> bool:
    """Whether every string and key in ``data`` is printable, when
    :func:`refused_character` refuses nothing: told in one pass that builds no pointer."""
    pending = [data]
    while pending:
        item = pending.pop()
        if type(item) is str:
            if not item.isprintable():
                return False
        elif type(item) is dict:
            for key, value in item.items():
                if type(key) is str and not key.isprintable():
                    return False
                pending.append(value)
        elif type(item) is list:
            pending.extend(item)
    return True


def _problem(found: tuple[str, str], pointer: Pointer, *, on_key: bool) -> ValueProblem:
    code, description = found
    where = _pointer_text(pointer)
    message = f"{'the key ' if on_key else ''}`{where}` contains {description}"
    return (code, pointer, message, "remove the character", on_key)


def _pointer_text(pointer: Pointer) -> str:
    text = ""
    for part in pointer:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return for_terminal(text) or "(top level)"


# --- terminal output ---------------------------------------------------------------------

_KEPT_FORMAT: Final = JOINERS  # harmless on a terminal, and needed by emoji


def for_terminal(text: str, *, line_breaks: bool = False) -> str:
    """``text`` with every character that a terminal could act on, or that hides or
    reorders what is shown, written as an escape (``\\x1b``, ``\\u202e``): controls,
    format characters (bidirectional and invisible ones included), line and paragraph
    separators and surrogates. With ``line_breaks``, LF and tab are kept."""
    if _printable(text, "\n\t" if line_breaks else ""):
        return text
    return "".join(_shown(char, line_breaks=line_breaks) for char in text)


def json_for_terminal(text: str) -> str:
    """A JSON document (from ``json.dumps(..., ensure_ascii=False)``) with the same
    characters escaped as ``\\uXXXX``: the same data, safe to print. ``json.dumps``
    escapes C0 controls itself; this covers DEL, C1, format characters and separators,
    which can only occur inside strings."""
    if _printable(text, "\n"):
        return text
    return "".join(_json_shown(char) for char in text)


def _printable(text: str, kept: str) -> bool:
    if text.isprintable():
        return True
    for char in kept:
        text = text.replace(char, "")
    return text.isprintable()


def _shown(char: str, *, line_breaks: bool) -> str:
    if char.isprintable() or char in _KEPT_FORMAT or (line_breaks and char in "\n\t"):
        return char
    if unicodedata.category(char) in ("Zs", "Co", "Cn"):  # spaces; private or unassigned
        return char
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _json_shown(char: str) -> str:
    if char == "\n" or _shown(char, line_breaks=False) == char:
        return char
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
