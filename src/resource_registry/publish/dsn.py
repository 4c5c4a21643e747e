"""libpq connection strings, read by libpq's rules so that no message shows a secret.

A DSN is a URI (``postgresql://user:password@host:port/dbname?key=value``) or
keyword/value pairs (``host=db password='two words'``). libpq's own error messages
quote the text they could not read, and that text may be a password; so the DSN is
parsed here first. One that libpq would refuse, or that would send part of a password
somewhere else (an unencoded ``@`` or ``/`` in a URI password turns it into a host or a
database name), is refused with a message that quotes none of it, and the connection is
made from the parsed parameters. :func:`secrets` and :func:`redact` hide what remains
from text that is printed anyway, such as a traceback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Final

from resource_registry.base.errors import UsageError

SECRET_KEYWORDS: Final = frozenset(
    {"password", "sslpassword", "oauth_client_secret", "scram_client_key", "scram_server_key"}
)
URI_PREFIXES: Final = ("postgresql://", "postgres://")
_SPACE: Final = " \t\n\r\f\v"  # C isspace(), as libpq uses it
_HIDDEN: Final = "[hidden]"
_SHORTEST_FRAGMENT: Final = 4  # shorter pieces of a password are too common to hide


class DsnError(UsageError):
    """A DSN that cannot be used; the message never quotes any of it."""


def parse(conninfo: str) -> dict[str, str]:
    """The parameters of ``conninfo`` (empty: libpq's defaults and the PG* variables)."""
    uri = conninfo.startswith(URI_PREFIXES)
    params = _parse_uri(conninfo) if uri else _parse_pairs(conninfo)
    _check_ports(params)
    return params


def where(params: Mapping[str, str]) -> str:
    """The host, port and database name, for messages: never a secret."""
    shown = " ".join(f"{key}={params[key]}" for key in ("host", "port", "dbname") if key in params)
    return shown or "PG* settings"


def secrets(conninfo: str, environ: Mapping[str, str] = os.environ) -> list[str]:
    """Every text that must not be printed: the DSN itself, each secret value as written
    and as meant, and the pieces a misreading could print on their own (longest first)."""
    found = {conninfo, environ.get("PGPASSWORD", "")}
    for raw in _secret_spans(conninfo):
        found.add(raw)
        found.update(_pieces(raw))
        if conninfo.startswith(URI_PREFIXES):
            decoded = _unquote_loosely(raw)
            found.add(decoded)
            found.update(_pieces(decoded))
    try:
        params = parse(conninfo)
    except UsageError:
        params = {}
    found.update(value for key, value in params.items() if key in SECRET_KEYWORDS)
    found.discard("")
    return sorted(found, key=len, reverse=True)


_URI_TEXT: Final = re.compile(r"postgres(?:ql)?://[^\s'\"]*")
_SECRET_PAIR: Final = re.compile(
    r"\b(" + "|".join(sorted(SECRET_KEYWORDS)) + r")(\s*=\s*)('(?:[^'\\]|\\.)*'?|\S*)"
)


def redact(text: str, hidden: Iterable[str] = ()) -> str:
    """``text`` with each of ``hidden``, every DSN URI and every secret keyword's value
    replaced by a marker."""
    for secret in hidden:
        if secret:
            text = text.replace(secret, _HIDDEN)
    text = _URI_TEXT.sub(f"postgresql://{_HIDDEN}", text)
    return _SECRET_PAIR.sub(lambda match: f"{match[1]}{match[2]}{_HIDDEN}", text)


def _parse_pairs(conninfo: str) -> dict[str, str]:
    """Keyword/value pairs by libpq's conninfo_parse: values end at white space unless
    single-quoted; a backslash escapes the next character in either form."""
    params: dict[str, str] = {}
    text, position, number = conninfo, 0, 0
    while position < len(text):
        if text[position] in _SPACE:
            position += 1
            continue
        number += 1
        start = position
        while position < len(text) and text[position] not in "=" + _SPACE:
            position += 1
        keyword = text[start:position]
        while position < len(text) and text[position] in _SPACE:
            position += 1
        if position == len(text) or text[position] != "=":
            raise DsnError(
                f"the DSN's {_ordinal(number)} part is not `keyword=value`; quote a value "
                "that holds spaces: password='two words'"
            )
        position += 1
        while position < len(text) and text[position] in _SPACE:
            position += 1
        value, position = _value(text, position, number)
        params[_known(keyword, number)] = value
    return params


def _value(text: str, position: int, number: int) -> tuple[str, int]:
    quoted = position < len(text) and text[position] == "'"
    position += 1 if quoted else 0
    value: list[str] = []
    while position < len(text):
        char = text[position]
        if char == "\\":
            value.append(text[position + 1 : position + 2])
            position += 2
            continue
        if (quoted and char == "'") or (not quoted and char in _SPACE):
            return "".join(value), position + 1
        value.append(char)
        position += 1
    if quoted:
        raise DsnError(f"the DSN's {_ordinal(number)} value has no closing quote")
    return "".join(value), position


def _parse_uri(conninfo: str) -> dict[str, str]:
    """A URI by libpq's conninfo_uri_parse_options, and stricter where libpq would
    read part of a password as a host, port or database name."""
    if any(char in _SPACE for char in conninfo):  # libpq versions differ on spaces
        raise DsnError("the DSN URI holds white space; write a space in a password as %20")
    rest = conninfo[next(len(p) for p in URI_PREFIXES if conninfo.startswith(p)) :]
    params: dict[str, str] = {}
    credentials_end = _first_of(rest, "@/")
    if credentials_end < len(rest) and rest[credentials_end] == "@":
        user, colon, password = rest[:credentials_end].partition(":")
        if user:
            params["user"] = _decode(user, "user name")
        if colon and password:
            params["password"] = _decode(password, "password")
        rest = rest[credentials_end + 1 :]
    hosts, ports, rest = _netlocs(rest)
    if host := ",".join(hosts):
        params["host"] = _decode(host, "host")
    if port := ",".join(ports):
        params["port"] = _decode(port, "port")
    if rest.startswith("/"):
        dbname, _, query = rest[1:].partition("?")
        if dbname:
            params["dbname"] = _decode(dbname, "database name")
    else:
        query = rest[1:]  # after `?`, or empty
    params.update(_query(query))
    if "@" in "".join(params.get(key, "") for key in ("user", "host", "port", "dbname")):
        raise DsnError(
            "the DSN has an `@` outside its user name and password, which would be read as "
            "part of the host or database name; write `@` in a password as %40 (and `/` as %2F)"
        )
    return params


def _netlocs(rest: str) -> tuple[list[str], list[str], str]:
    """The comma-separated ``host[:port]`` list, and what follows it (``/…``, ``?…``)."""
    hosts: list[str] = []
    ports: list[str] = []
    while True:
        if rest.startswith("["):
            close = rest.find("]")
            if close <= 1:
                raise DsnError("the DSN has an IPv6 address without its closing `]`, or empty")
            host, rest = rest[1:close], rest[close + 1 :]
            if rest and rest[0] not in ":/?,":
                raise DsnError("the DSN has a character after an IPv6 address's `]`")
        else:
            end = _first_of(rest, ":/?,")
            host, rest = rest[:end], rest[end:]
        port = ""
        if rest.startswith(":"):
            end = _first_of(rest, "/?,", 1)
            port, rest = rest[1:end], rest[end:]
        hosts.append(host)
        ports.append(port)
        if not rest.startswith(","):
            return hosts, ports, rest
        rest = rest[1:]


def _query(query: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for number, pair in enumerate(query.split("&") if query else (), start=1):
        keyword, equals, value = pair.partition("=")
        if not equals or "=" in value:
            raise DsnError(f"the DSN's {_ordinal(number)} query parameter is not `key=value`")
        keyword = _decode(keyword, "query parameter")
        value = _decode(value, "query parameter")
        if (keyword, value) == ("ssl", "true"):  # libpq's JDBC spelling
            keyword, value = "sslmode", "require"
        params[_known(keyword, number, "query parameter")] = value
    return params


def _decode(text: str, what: str) -> str:
    """Percent-decoding as libpq does it: every ``%`` starts two hex digits, never ``%00``."""
    if "%" not in text:
        return text
    out = bytearray()
    raw = text.encode("utf-8", "surrogateescape")
    position = 0
    while position < len(raw):
        if raw[position] != ord("%"):
            out.append(raw[position])
            position += 1
            continue
        digits = raw[position + 1 : position + 3]
        if len(digits) != 2 or not all(chr(d) in "0123456789abcdefABCDEF" for d in digits):
            raise DsnError(f"the DSN's {what} has a `%` that is not followed by two hex digits")
        if digits == b"00":
            raise DsnError(f"the DSN's {what} holds %00, which libpq forbids")
        out.append(int(digits, 16))
        position += 3
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        raise DsnError(f"the DSN's {what} is not UTF-8 once decoded") from None


def _check_ports(params: Mapping[str, str]) -> None:
    ports = params.get("port", "").split(",")
    if not all(re.fullmatch(r"[0-9]*", port) for port in ports):
        raise DsnError("the DSN's port is not a number")


def _known(keyword: str, number: int, what: str = "part") -> str:
    if keyword not in _keywords():
        raise DsnError(
            f"the DSN's {_ordinal(number)} {what} names no libpq parameter; "
            "put a value that holds spaces in single quotes"
        )
    return keyword


@cache
def _keywords() -> frozenset[str]:
    """The parameters this libpq knows."""
    from psycopg import pq  # noqa: PLC0415 - reason: only publishing needs the driver

    return frozenset(option.keyword.decode() for option in pq.Conninfo.get_defaults())


def _secret_spans(conninfo: str) -> list[str]:
    """The raw text of every secret as written, read generously: in a URI, all between
    the user name and the last `@`; in pairs, all up to the next known keyword."""
    if conninfo.startswith(URI_PREFIXES):
        rest = conninfo.split("://", 1)[1]
        user_info = rest[: rest.rfind("@")] if "@" in rest else ""
        return [user_info.partition(":")[2]] if ":" in user_info else []
    spans = []
    keywords = "|".join(sorted(_keywords(), key=len, reverse=True))
    for match in re.finditer(r"\b(?:" + "|".join(sorted(SECRET_KEYWORDS)) + r")\s*=\s*", conninfo):
        tail = conninfo[match.end() :]
        stop = re.search(r"[" + _SPACE + r"]+(?:" + keywords + r")\s*=", tail)
        spans.append(tail[: stop.start()] if stop else tail)
    return spans


def _pieces(raw: str) -> list[str]:
    words = re.split(r"[\s@/:'\\]+", raw)
    return [word for word in words if len(word) >= _SHORTEST_FRAGMENT]


def _unquote_loosely(text: str) -> str:
    return re.sub(r"%([0-9a-fA-F]{2})", lambda match: chr(int(match[1], 16)), text)


def _first_of(text: str, characters: str, start: int = 0) -> int:
    return next((i for i in range(start, len(text)) if text[i] in characters), len(text))


def _ordinal(number: int) -> str:
    teens = 10 <= number % 100 <= 20
    suffix = "th" if teens else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
