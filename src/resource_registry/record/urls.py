"""URL identity: the `id` hash, and the normalized form used to find duplicates."""

from __future__ import annotations

import hashlib
import ipaddress
import re
from typing import Final
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_TRACKING_PARAMS: Final = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "ref_src",
        "ref_url",
        "spm",
        "cmpid",
        "s_cid",
    }
)
_TRACKING_PREFIXES: Final = ("utm_", "pk_", "mtm_")
_ARXIV_HOSTS: Final = frozenset({"arxiv.org", "export.arxiv.org"})
_ARXIV_PATH: Final = re.compile(
    r"^/(?:abs|pdf|html|format)/(?P<paper>(?:\d{4}\.\d{4,5})|(?:[a-z-]+(?:\.[A-Z]{2})?/\d{7}))"
    r"(?:v\d+)?(?:\.pdf)?/?$"
)
_DOI_HOSTS: Final = frozenset({"doi.org", "dx.doi.org"})
# Scheme, a host of letters, digits, dots and hyphens, then printable ASCII with no `@`.
_PLAIN_WEB_URL: Final = re.compile(
    r"https?://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?:[/?#][!-?A-~]*)?\Z"
)


_HOST: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?(\[[^\]/?#]*\]|[^:/?#]*)")
# the characters of IPv4 numbers in every base resolvers accept (decimal, octal, 0x hex)
_NUMERIC_HOST: Final = re.compile(r"[0-9a-fx.]+")


def resource_id(url: str) -> str:
    """The registry's `id` for a URL: the first 16 hex digits of its sha256."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def shape_problem(url: str) -> str | None:
    """``"credentials"``, ``"not-web"`` (not an absolute http(s) URL with a host and nothing
    a browser would refuse), or None for a well-formed URL. Runs once per URL per file, so
    the common plain-ASCII URL is settled by one regex."""
    if _PLAIN_WEB_URL.match(url):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reason: reading the port validates it
    except ValueError:
        return "not-web"
    if parts.username is not None or parts.password is not None:
        return "credentials"
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname or not url.isprintable():
        return "not-web"
    return None


def host_problem(url: str) -> str | None:
    """``"numeric-host"`` for a host that is a number in a form other than the canonical
    dotted quad (``0177.0.0.1``, ``2130706433``, ``0x7f000001``, ``127.1``: resolvers read
    them all as addresses, readers rarely do), ``"private-host"`` for ``localhost`` or an
    address literal that is not public, else None. Cheap for ordinary host names."""
    match = _HOST.match(url)
    if match is None:
        return None
    host = match.group(1).lower().rstrip(".")
    if host.startswith("["):
        return _literal_problem(host[1:-1])
    if host == "localhost" or host.endswith(".localhost"):
        return "private-host"
    if not host.rpartition(".")[2][:1].isdigit() or not _NUMERIC_HOST.fullmatch(host):
        return None  # a name: its last label never starts with a digit
    try:
        ipaddress.IPv4Address(host)  # strict: four decimal parts, no leading zeros
    except ValueError:
        return "numeric-host"
    return _literal_problem(host)


def _literal_problem(text: str) -> str | None:
    from resource_registry.net.guard import address_refusal  # noqa: PLC0415 - reason: rare

    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None  # not an address: shape_problem's business
    return "private-host" if address_refusal(address) else None


def normalize(url: str) -> str:
    """The key under which two URLs count as the same resource.

    Folds case of scheme and host, `www.`, http versus https, default ports, a trailing
    slash, the fragment, tracking parameters and query order; maps every arXiv URL of one
    paper (abs, pdf, html, any version) to ``arxiv:ID`` and every doi.org form to ``doi:ID``.
    Not a URL any more: only ever compare it with another normalized key.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path or "/"
    if host in _ARXIV_HOSTS and (match := _ARXIV_PATH.match(path)):
        return f"arxiv:{match['paper']}"
    if host in _DOI_HOSTS and len(path) > 1:
        return f"doi:{unquote(path[1:]).lower()}"
    netloc = host if port in (None, _DEFAULT_PORTS.get(parts.scheme.lower())) else f"{host}:{port}"
    query = urlencode(sorted(_kept_params(parts.query)))
    path = path.rstrip("/") or ""
    return f"//{netloc}{path}" + (f"?{query}" if query else "")


def _kept_params(query: str) -> list[tuple[str, str]]:
    return [
        (name, value)
        for name, value in parse_qsl(query, keep_blank_values=True)
        if name.lower() not in _TRACKING_PARAMS and not name.lower().startswith(_TRACKING_PREFIXES)
    ]


_SCHEME_AND_AUTHORITY: Final = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<authority>[^/?#]*)"
)


def certain_fixes(url: str) -> tuple[str, list[str]]:
    """``url`` with the fixes whose result is certain (the scheme and host lower-cased,
    the fragment dropped: neither changes what a server is asked for), and a description
    of each fix made. Anything else is left for the rules to report."""
    fixes: list[str] = []
    match = _SCHEME_AND_AUTHORITY.match(url)
    if match is None:
        return url, fixes
    userinfo, at, host = match["authority"].rpartition("@")
    lowered = f"{match['scheme'].lower()}://{userinfo}{at}{host.lower()}"
    if lowered != match.group():
        fixes.append("lower-cased the scheme and host")
    rest, hash_, fragment = url[match.end() :].partition("#")
    if hash_:
        fixes.append(f"dropped the fragment `#{fragment}`")
    return lowered + rest, fixes
