"""Where the link checker may connect, and ``resreg.toml``. No test here sends anything:
names resolve through :func:`fake_dns`, which never asks a DNS server."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from resource_registry.base import config
from resource_registry.base.errors import UsageError
from resource_registry.cli import cli
from resource_registry.net import guard as netguard

_REAL_GETADDRINFO = socket.getaddrinfo


class FakeDns:
    """Answers for made-up names; numeric hosts are parsed locally (AI_NUMERICHOST), and
    any other name fails, so that a test never sends a DNS query."""

    def __init__(self) -> None:
        self.names: dict[str, list[list[str]]] = {}  # name -> answers, one per lookup
        self.asked: list[str] = []

    def add(self, name: str, *answers: list[str]) -> None:
        self.names[name] = list(answers)

    def getaddrinfo(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        self.asked.append(name)
        if name in self.names:
            answers = self.names[name]
            addresses = answers.pop(0) if len(answers) > 1 else answers[0]
            return [self._info(address, port) for address in addresses]
        family, kind, proto, flags = [*args, 0, 0, 0, 0][:4]
        kwargs.setdefault("family", family)
        kwargs.setdefault("type", kind)
        kwargs.setdefault("proto", proto)
        kwargs["flags"] = kwargs.get("flags", flags) | socket.AI_NUMERICHOST
        try:
            return _REAL_GETADDRINFO(host, port, **kwargs)
        except socket.gaierror:
            raise socket.gaierror(socket.EAI_NONAME, f"{name}: not a test name") from None

    @staticmethod
    def _info(address: str, port: Any) -> Any:
        if ipaddress.ip_address(address).version == 6:
            return (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, int(port), 0, 0))
        return (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port)))


def install_fake_dns(monkeypatch: pytest.MonkeyPatch) -> FakeDns:
    dns = FakeDns()
    monkeypatch.setattr(socket, "getaddrinfo", dns.getaddrinfo)
    return dns


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> FakeDns:
    return install_fake_dns(monkeypatch)


REFUSED = [
    "127.0.0.1",
    "127.255.255.254",
    "::1",
    "0.0.0.0",
    "::",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fec0::1",
    "224.0.0.1",
    "239.255.255.250",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:8.8.8.8",
    "::7f00:1",
    "2002:7f00:1::",
    "64:ff9b::a00:1",
    "2001:db8::1",
    "192.0.2.1",
    "198.18.0.1",
    "240.0.0.1",
    "255.255.255.255",
]
ALLOWED = ["8.8.8.8", "1.1.1.1", "2606:4700::1111", "2002:808:808::1"]


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert netguard.address_refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_are_allowed(address: str) -> None:
    assert netguard.address_refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    "url",
    [
        "mailto:someone@example.org",
        "about:blank",
        "data:text/html,hi",
        "javascript:alert(1)",
        "ftp://example.org/",
        "http://example.org:99999/",
        "http://example.org:0/",
        "http://xn--a.com/",
        "http://0177.0.0.1/",
        "http://[::1/",
        "http://user:secret@example.org/",
        "http://ex%41mple.com/",
        "http:///nohost",
    ],
)
def test_unusable_urls_are_refused_without_raising(url: str) -> None:
    assert isinstance(netguard.parse_target(url), netguard.Refusal)


def test_a_url_is_normalized_for_requesting() -> None:
    parsed = netguard.parse_target("https://Example.ORG/a b#frag")
    assert not isinstance(parsed, netguard.Refusal)
    assert str(parsed) == "https://example.org/a%20b"


@pytest.mark.parametrize(
    "host",
    [
        *("localhost", "LOCALHOST.", "a.localhost", "x.y.localhost."),
        *("2130706433", "0x7f000001", "127.1", "::ffff:127.0.0.1", "0.0.0.0"),
    ],
)
def test_loopback_in_any_spelling_is_refused(fake_dns: FakeDns, host: str) -> None:
    url = netguard.parse_target(f"http://{'[' + host + ']' if ':' in host else host}:8080/")
    assert not isinstance(url, netguard.Refusal)
    pinned = asyncio.run(netguard.pin(url, allow_private=False))
    assert isinstance(pinned, netguard.Refusal)
    assert pinned.reason.startswith("refused:")
    assert "localhost" not in fake_dns.asked  # refused by name, never resolved


def test_a_name_with_any_private_address_is_refused(fake_dns: FakeDns) -> None:
    fake_dns.add("mixed.example", ["8.8.8.8", "192.168.0.1"])
    url = netguard.parse_target("https://mixed.example/")
    assert not isinstance(url, netguard.Refusal)
    pinned = asyncio.run(netguard.pin(url, allow_private=False))
    assert isinstance(pinned, netguard.Refusal)
    assert "private address" in pinned.reason


def test_the_request_is_pinned_to_the_checked_address(fake_dns: FakeDns) -> None:
    fake_dns.add("public.example", ["8.8.4.4"])
    url = netguard.parse_target("https://public.example:8443/p?q=1")
    assert not isinstance(url, netguard.Refusal)
    pinned = asyncio.run(netguard.pin(url, allow_private=False))
    assert isinstance(pinned, netguard.Pinned)
    assert str(pinned.url) == "https://8.8.4.4:8443/p?q=1"
    assert (pinned.host_header, pinned.sni_hostname) == ("public.example:8443", "public.example")
    assert fake_dns.asked == ["public.example"]


def test_an_unresolvable_name_is_a_connection_failure(fake_dns: FakeDns) -> None:
    url = netguard.parse_target("https://nowhere.example/")
    assert not isinstance(url, netguard.Refusal)
    pinned = asyncio.run(netguard.pin(url, allow_private=False))
    assert pinned == netguard.Refusal("name not resolved", connection=True)


# resreg.toml


def test_no_config_file_means_the_defaults(tmp_path: Path) -> None:
    assert config.load(tmp_path) == config.Config()
    assert config.load(tmp_path).network.allow_private_addresses is False


def test_the_network_table_is_read(tmp_path: Path) -> None:
    (tmp_path / "resreg.toml").write_text("[network]\nallow_private_addresses = true\n")
    assert config.load(tmp_path).network.allow_private_addresses is True


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[network]\nallow_private = true\n", "`allow_private`"),
        ("[netwrok]\nallow_private_addresses = true\n", "`netwrok`"),
        ("allow_private_addresses = true\n", "`allow_private_addresses`"),
        ('[network]\nallow_private_addresses = "yes"\n', "allow_private_addresses"),
        ("[network]\nallow_private_addresses = 1\n", "allow_private_addresses"),
        ("network = 1\n", "`network`"),
        ("[network\n", "not valid TOML"),
        ("[\u202enetwork]\n", "not valid TOML"),
        ('["\u202e"]\n', "\\u202e"),
    ],
)
def test_anything_unknown_is_a_usage_error_that_names_it(
    tmp_path: Path, text: str, named: str
) -> None:
    (tmp_path / "resreg.toml").write_text(text)
    with pytest.raises(UsageError) as raised:
        config.load(tmp_path)
    assert named in str(raised.value)
    assert "\u202e" not in str(raised.value)


def test_check_links_stops_on_a_bad_config_file(tmp_path: Path) -> None:
    (tmp_path / "data/resources").mkdir(parents=True)
    (tmp_path / "resreg.toml").write_text("[network]\nallow_privat_addresses = true\n")
    result = CliRunner().invoke(cli, ["check-links", "--root", str(tmp_path)])
    assert result.exit_code == 2
    assert "allow_privat_addresses" in result.stderr


def test_every_check_links_option_is_described() -> None:
    command = cli.commands["check-links"]
    options = [param for param in command.params if param.param_type_name == "option"]
    assert options
    assert [o.name for o in options if not getattr(o, "help", None)] == []


@pytest.mark.parametrize(
    ("location", "seen", "followed", "refusal"),
    [
        ("http://[::1", set(), 0, "redirect to an invalid URL"),
        ("ftp://example.org/x", set(), 0, "redirect to an unusable URL"),
        ("/back", {"https://example.org/back"}, 1, "redirect loop"),
        ("/next", set(), 5, "more than 5 redirects"),
    ],
)
def test_a_hostile_redirect_is_refused(
    location: str, seen: set[str], followed: int, refusal: str
) -> None:
    """What a server's `Location` may not do, for every client that follows redirects."""
    target = netguard.redirect_target("https://example.org/start", location, seen, followed, 5)
    assert isinstance(target, netguard.Refusal)
    assert target.reason.startswith(refusal)


def test_a_redirect_within_the_rules_is_followed() -> None:
    target = netguard.redirect_target("https://example.org/a/b", "../c", set(), 4, 5)
    assert str(target) == "https://example.org/c"
