"""Where network code may connect: globally routable addresses only, checked after the
name is resolved, and pinned.

A URL names a host; the host is resolved once, every address it resolves to is checked,
and the request is sent to the checked address with the name in the ``Host`` header and
in TLS's SNI (httpx's ``sni_hostname`` request extension), so that a second lookup can
never swap in another address (DNS rebinding). Numeric spellings the resolver accepts
(``2130706433``, ``0x7f000001``, ``127.1``) are checked as what they resolve to.
``allow_private_addresses`` (``resreg.toml``, or ``--allow-private-addresses``) turns
the address check off, for tests and intranet registries; URL checks stay on.

Nothing here raises for a bad URL or address: each answer is data (:class:`Refusal`),
which the caller turns into a verdict for that one resource.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:
    from collections.abc import Collection

    import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_SHARED: Final = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_IPV4_COMPATIBLE: Final = ipaddress.ip_network("::/96")
_NAT64: Final = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
# labels of letters, digits, `-` and `_` (seen in real subdomains), as IDNA leaves them
_LABEL: Final = r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?"
_HOST_NAME: Final = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.?\Z")


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a URL is not fetched. ``connection`` marks a failure to reach the network at
    all (the name did not resolve), as opposed to a decision about the URL."""

    reason: str
    connection: bool = False


@dataclass(frozen=True, slots=True)
class Pinned:
    """A request target bound to the address that was checked."""

    url: httpx.URL  # the URL with its host replaced by the checked address
    host_header: str
    sni_hostname: str | None


def redirect_target(
    current: str, location: str, seen: Collection[str], followed: int, limit: int
) -> httpx.URL | Refusal:
    """Where a ``Location`` leads from ``current``, refused when it is unusable, a loop
    back to one of ``seen``, or past ``limit`` redirects (``followed`` so far)."""
    try:
        joined = urljoin(current, location)
    except ValueError:
        return Refusal("redirect to an invalid URL")
    target = parse_target(joined)
    if isinstance(target, Refusal):
        return Refusal(f"redirect to an unusable URL: {target.reason}")
    if str(target) in seen:
        return Refusal("redirect loop")
    if followed >= limit:
        return Refusal(f"more than {limit} redirects")
    return target


def parse_target(text: str) -> httpx.URL | Refusal:
    """``text`` as a URL the checker may request: absolute http(s), a valid port and host
    name (IDNA), no credentials, no fragment; else why not."""
    import httpx  # noqa: PLC0415 - reason: only network commands need an HTTP client

    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return Refusal("invalid URL (bad port or host)")
    if parts.scheme.lower() not in ("http", "https"):
        scheme = printable(parts.scheme, 20) if parts.scheme else "none"
        return Refusal(f"not an http(s) URL (scheme: {scheme})")
    if parts.username is not None or parts.password is not None:
        return Refusal("URL with credentials")
    if port == 0:
        return Refusal("invalid URL (port 0)")
    try:
        url = httpx.URL(text).copy_with(fragment=None)
        host = url.host  # decoding IDNA here, where it can fail
        str(url)
    except (httpx.InvalidURL, UnicodeError, ValueError) as error:
        return Refusal(f"invalid URL ({printable(str(error), 120)})")
    if not host or (not _is_ip_literal(host) and not _HOST_NAME.match(host)):
        return Refusal("invalid URL (host name)")
    return url


async def pin(url: httpx.URL, *, allow_private: bool) -> Pinned | Refusal:
    """Resolve ``url``'s host once, check every address, and bind the request to one."""
    host = url.host
    if not allow_private and (reason := name_refusal(host)):
        return Refusal(f"refused: {reason}")
    addresses = await resolve(host, url.port or (443 if url.scheme == "https" else 80))
    if isinstance(addresses, Refusal):
        return addresses
    if not allow_private:
        for address in addresses:
            if reason := address_refusal(address):
                return Refusal(f"refused: {host_shown(host)} is a {reason}")
    chosen = str(addresses[0])
    return Pinned(
        url=url.copy_with(host=chosen),
        host_header=url.netloc.decode("ascii"),
        sni_hostname=None if _is_ip_literal(host) else host,
    )


async def resolve(host: str, port: int) -> list[IPAddress] | Refusal:
    """Every address the system resolver gives for ``host``, in its order."""
    import asyncio  # noqa: PLC0415 - reason: validation imports this module for its rules

    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
    except (OSError, UnicodeError):
        return Refusal("name not resolved", connection=True)
    found: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).partition("%")[0])
        if address not in found:
            found.append(address)
    return found or Refusal("name not resolved", connection=True)


def name_refusal(host: str) -> str | None:
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return "the name localhost is always this machine"
    return None


def address_refusal(address: IPAddress) -> str | None:
    """Why ``address`` is not one to connect to, or None for a globally routable one."""
    if address.is_unspecified:
        return "unspecified address"
    if address.is_loopback:
        return "loopback address"
    if isinstance(address, ipaddress.IPv6Address) and (reason := _ipv6_form(address)):
        return reason
    if address.is_link_local:
        return "link-local address"
    if address.is_multicast:
        return "multicast address"
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED:
        return "shared (carrier-grade NAT) address"
    if address.is_private:
        return "private address"
    if address.is_reserved:
        return "reserved address"
    if not address.is_global:
        return "address that is not globally routable"
    return None


def _ipv6_form(address: ipaddress.IPv6Address) -> str | None:
    if address.ipv4_mapped is not None:
        return "IPv4-mapped IPv6 address"
    if address in _IPV4_COMPATIBLE:
        return "IPv4-compatible IPv6 address"
    if address.is_site_local:
        return "site-local address"
    embedded = address.sixtofour
    if embedded is None and any(address in network for network in _NAT64):
        embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if embedded is None and address.teredo is not None:
        embedded = address.teredo[1]
    if embedded is not None and address_refusal(embedded):
        return "IPv6 address that embeds a non-global IPv4 address"
    return None


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def host_shown(host: str) -> str:
    return printable(host, 100)


def printable(text: str, limit: int = 200) -> str:
    """``text`` safe to show anywhere: ASCII, control and invisible characters escaped."""
    shown = text[:limit].encode("ascii", "backslashreplace").decode("ascii")
    shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in shown)
    return shown + ("..." if len(text) > limit else "")
