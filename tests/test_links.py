"""Link checking against a scripted HTTP server on 127.0.0.1 (no other address is used)."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from conftest import MakeRegistry, resource_text
from resource_registry import Options, validate
from resource_registry.check.identity import shard_path
from resource_registry.cli import cli
from resource_registry.linkcheck import checker as links
from resource_registry.linkcheck import fetching
from resource_registry.linkcheck import settings as link_settings
from resource_registry.linkcheck.fetch_block import merged_fetch
from resource_registry.linkcheck.outcomes import Outcome, OutcomeKind
from resource_registry.net import guard as netguard
from resource_registry.record.reader import Document, read_document
from test_netguard import FakeDns, install_fake_dns

BODY = b"<html>hello</html>"
LOOPBACK_URLS = ("C012",)  # every test URL is on 127.0.0.1, which validation warns about


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    requests: Counter[str]
    times: dict[str, list[float]]
    headers_seen: dict[str, list[str]]
    other_port: int  # of a listener on 127.0.0.2, for redirects that must not reach it
    stop: threading.Event


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *_: object) -> None:  # keep the test output clean
        return

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._answer(head=False)

    def _answer(self, *, head: bool) -> None:
        path = self.path
        self.server.requests[f"{self.command} {path}"] += 1
        self.server.times.setdefault(path, []).append(time.monotonic())
        self.server.headers_seen[path] = [f"{k}: {v}" for k, v in self.headers.items()]
        if path in _REDIRECTS:
            status, location = _REDIRECTS[path]
            return self._redirect(status, location)
        if path in _SPECIAL:
            return _SPECIAL[path](self, head)
        status, body = _PLAIN.get(path, (404, b"unknown"))
        return self._send(status, body, head)

    def limited(self, head: bool) -> None:
        if len(self.server.times[self.path]) == 1:
            self.send_response(429)
            self.send_header("Retry-After", "1")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._send(200, BODY, head)

    def slow(self, head: bool) -> None:
        time.sleep(3)
        self._send(200, BODY, head)

    def bad_length(self, head: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        if not head:
            self.wfile.write(b"short")
        self.close_connection = True

    def reset(self, head: bool) -> None:
        linger = b"\x01\x00\x00\x00\x00\x00\x00\x00"  # on, 0 s: close sends a reset
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        self.connection.close()

    def error(self, head: bool) -> None:
        self._send(500, b"oops", head)

    def bidi_type(self, head: bool) -> None:
        self._raw(b"Content-Type: text/html\xe2\x80\xae; charset=utf-8\r\n", BODY)

    def control_type(self, head: bool) -> None:
        self._raw(b"Content-Type: text/\x01html\r\n", BODY)

    def spaced_type(self, head: bool) -> None:
        self._raw(b"Content-Type: text/html <b>\r\n", BODY)

    def drip_headers(self, head: bool) -> None:
        self._drip(b"HTTP/1.1 200 OK\r\nX-Drip: ", b"a")

    def drip_continue(self, head: bool) -> None:
        self._drip(b"", b"HTTP/1.1 100 Continue\r\n\r\n")

    def drip_body(self, head: bool) -> None:
        self._drip(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", b"x")

    def _drip(self, start: bytes, unit: bytes) -> None:
        """Write ``start``, then ``unit`` every 0.1 s for 30 s, or until the client goes."""
        self.close_connection = True
        try:
            self.wfile.write(start)
            self.wfile.flush()
            for _ in range(300):
                if self.server.stop.wait(0.1):
                    return
                self.wfile.write(unit)
                self.wfile.flush()
        except OSError:
            return

    def _raw(self, header: bytes, body: bytes) -> None:
        self.close_connection = True
        length = f"Content-Length: {len(body)}\r\n".encode()
        self.wfile.write(b"HTTP/1.1 200 OK\r\n" + header + length + b"\r\n" + body)

    def no_head(self, head: bool) -> None:
        self._send(405, b"", head) if head else self._send(200, BODY, head)

    def _send(self, status: int, body: bytes, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _redirect(self, status: int, location: str) -> None:
        port, other = self.server.server_address[1], self.server.other_port
        self.send_response(status)
        self.send_header("Location", location.format(port=port, other=other))
        self.send_header("Content-Length", "0")
        self.end_headers()


_PLAIN = {
    "/ok": (200, BODY),
    "/404": (404, b"no"),
    "/410": (410, b"no"),
    "/403": (403, b"no"),
    "/big": (200, b"x" * 5000),
    "/a%20b": (200, BODY),
}
_REDIRECTS = {
    "/r1": (301, "/r2"),
    "/r2": (302, "/ok"),
    "/loop": (302, "/loop"),
    "/tofile": (302, "file:///etc/passwd"),
    "/to-port": (302, "http://127.0.0.1:99999/"),
    "/to-idna": (302, "http://xn--a.com/"),
    "/to-mailto": (302, "mailto:someone@example.org"),
    "/to-about": (302, "about:blank"),
    "/to-data": (302, "data:text/html,<script>x</script>"),
    "/to-js": (302, "javascript:alert(1)"),
    "/to-octal": (302, "http://0177.0.0.1:{port}/ok"),
    "/to-bracket": (302, "http://[::1/"),
    "/to-space": (302, "/a b"),
    "/to-creds": (302, "http://user:pw-SECRET@127.0.0.1:{port}/ok"),
    "/to-internal": (302, "http://127.0.0.2:{other}/callback?token=SECRET"),
    "/to-localhost": (302, "http://localhost:{other}/callback?token=SECRET"),
    "/to-mapped": (302, "http://[::ffff:127.0.0.2]:{other}/callback?token=SECRET"),
    "/to-decimal": (302, "http://2130706434:{other}/callback?token=SECRET"),
}
_SPECIAL = {
    "/limited": _Handler.limited,
    "/slow": _Handler.slow,
    "/badlength": _Handler.bad_length,
    "/reset": _Handler.reset,
    "/nohead": _Handler.no_head,
    "/500": _Handler.error,
    "/bidi-type": _Handler.bidi_type,
    "/control-type": _Handler.control_type,
    "/spaced-type": _Handler.spaced_type,
    "/drip-headers": _Handler.drip_headers,
    "/drip-continue": _Handler.drip_continue,
    "/drip-body": _Handler.drip_body,
}


class Listener:
    """A socket on 127.0.0.x that accepts and records connections, and answers nothing."""

    def __init__(self, host: str) -> None:
        self.socket = socket.create_server((host, 0))
        self.socket.settimeout(0.1)
        self.port = self.socket.getsockname()[1]
        self.accepted = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            connection.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.socket.close()


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> FakeDns:
    """No test sends a DNS query: made-up names only, numeric hosts parsed locally."""
    return install_fake_dns(monkeypatch)


@pytest.fixture
def listener() -> Iterator[Listener]:
    """Listens on 127.0.0.2: what the checker must never reach without permission."""
    recorder = Listener("127.0.0.2")
    yield recorder
    recorder.close()


@pytest.fixture
def server(listener: Listener, fake_dns: FakeDns) -> Iterator[_Server]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.requests = Counter()
    httpd.times = {}
    httpd.headers_seen = {}
    httpd.other_port = listener.port
    httpd.stop = threading.Event()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.stop.set()
    httpd.shutdown()
    httpd.server_close()


def _registry(
    make_registry: MakeRegistry, base: str, paths: list[str]
) -> tuple[Path, dict[str, str]]:
    files: dict[str, bytes | str] = {}
    by_url: dict[str, str] = {}
    for index, path in enumerate(paths):
        file, text = resource_text(f"sid_Link{index:06d}", f"{base}{path}", title=path)
        files[file] = "# keep this comment\n" + text
        by_url[path] = file
    return make_registry(files), by_url


def _fetch(root: Path, path: str) -> dict[str, object]:
    parsed = read_document((root / path).read_bytes())
    assert isinstance(parsed, Document)
    assert isinstance(parsed.data, dict)
    return parsed.data["fetch"]


def _run(root: Path, *extra: str, private: bool = True) -> tuple[int, str]:
    """check-links on ``root``; with private addresses allowed unless told otherwise,
    since every test server is on 127.0.0.1."""
    allow = ["--allow-private-addresses"] if private else []
    result = CliRunner().invoke(
        cli, ["check-links", "--root", str(root), *allow, *extra], catch_exceptions=False
    )
    return result.exit_code, result.stdout


CASES = [
    "/ok",
    "/r1",
    "/loop",
    "/tofile",
    "/404",
    "/410",
    "/403",
    "/limited",
    "/slow",
    "/big",
    "/badlength",
    "/reset",
    "/nohead",
]


def test_every_scripted_answer_gets_its_verdict(
    make_registry: MakeRegistry, server: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = f"http://127.0.0.1:{server.server_address[1]}"
    root, by_url = _registry(make_registry, base, CASES)
    # a 1,000-byte body cap, so that /big is over it
    monkeypatch.setattr(
        link_settings, "Settings", functools.partial(link_settings.Settings, body_cap=1000)
    )
    code, out = _run(root, "--timeout", "1")
    assert code == 0, out
    verdicts = {path: _fetch(root, file)["verdict"] for path, file in by_url.items()}
    assert verdicts == {
        "/ok": "ok",
        "/r1": "redirected",
        "/loop": "error",
        "/tofile": "error",
        "/404": "dead",
        "/410": "dead",
        "/403": "blocked",
        "/limited": "ok",
        "/slow": "error",
        "/big": "ok",
        "/badlength": "error",
        "/reset": "error",
        "/nohead": "ok",
    }
    ok = _fetch(root, by_url["/ok"])
    assert ok["status"] == 200
    assert ok["bytes"] == len(BODY)
    assert ok["content_type"] == "text/html"
    assert (
        ok["content_sha256"] == "9f8c1f85dd1bbdc1c8c54e08e5bcb5a6f45ec2a2b5d1b3c15b4f3d2a1cd1a8e2"
        or len(str(ok["content_sha256"])) == 64
    )
    assert _fetch(root, by_url["/r1"])["final_url"] == f"{base}/ok"
    big = _fetch(root, by_url["/big"])
    assert big["bytes"] == 5000
    assert "content_sha256" not in big  # larger than the cap: only its length is known
    gaps = server.times["/limited"]
    assert len(gaps) >= 2
    assert gaps[1] - gaps[0] >= 0.9  # Retry-After: 1 was honoured
    assert server.requests["GET /nohead"] == 1  # one GET per URL when bodies are read
    assert not [request for request in server.requests if request.startswith("HEAD")]
    assert "dead       404" in out
    text = (root / by_url["/ok"]).read_text()
    assert text.startswith("# keep this comment\n")  # only the fetch block changed


def test_status_only_uses_head_and_falls_back_to_get(
    make_registry: MakeRegistry, server: _Server
) -> None:
    base = f"http://127.0.0.1:{server.server_address[1]}"
    root, by_url = _registry(make_registry, base, ["/ok", "/nohead", "/404"])
    code, _ = _run(root, "--no-hash")
    assert code == 0
    assert server.requests["HEAD /nohead"] == 1  # refused with 405...
    assert server.requests["GET /nohead"] == 1  # ...so asked again with GET
    assert server.requests["GET /ok"] == 0
    ok = _fetch(root, by_url["/ok"])
    assert (ok["verdict"], ok["bytes"]) == ("ok", len(BODY))  # the announced length
    assert "content_sha256" not in ok
    assert _fetch(root, by_url["/nohead"])["verdict"] == "ok"
    assert _fetch(root, by_url["/404"])["verdict"] == "dead"


def test_a_rerun_skips_fresh_entries_and_shared_urls_are_fetched_once(
    make_registry: MakeRegistry, server: _Server
) -> None:
    base = f"http://127.0.0.1:{server.server_address[1]}"
    root, _ = _registry(make_registry, base, ["/ok", "/ok", "/404"])
    code, out = _run(root, "--format", "json")
    report = json.loads(out)
    assert code == 0
    assert report["summary"]["checked"] == 2
    assert (report["summary"]["ok"], report["summary"]["dead"]) == (1, 1)
    assert server.requests["GET /ok"] == 1  # two files, one URL, one check
    assert [link["url"] for link in report["links"]] == [f"{base}/404"]  # only what needs a look
    assert _fetch(root, shard_path("sid_Link000000")) == _fetch(root, shard_path("sid_Link000001"))
    _, out = _run(root, "--format", "json")
    assert json.loads(out)["summary"] == {
        "checked": 0,
        "skipped_fresh": 3,
        "ok": 0,
        "redirected": 0,
        "dead": 0,
        "soft-404": 0,
        "login-wall": 0,
        "bot-wall": 0,
        "paywalled": 0,
        "blocked": 0,
        "error": 0,
        "drifted": 0,
    }


def test_checked_files_stay_valid(make_registry: MakeRegistry, server: _Server) -> None:
    base = f"http://127.0.0.1:{server.server_address[1]}"
    root, _ = _registry(make_registry, base, ["/ok", "/r1", "/404", "/reset"])
    _run(root)
    assert validate(root, Options(cache=False, ignore=LOOPBACK_URLS)).findings == []


def test_interrupted_run_keeps_what_was_written(
    make_registry: MakeRegistry, server: _Server
) -> None:
    base = f"http://127.0.0.1:{server.server_address[1]}"
    root, by_url = _registry(make_registry, base, ["/ok", "/slow"])
    targets = {f"{base}/ok": [by_url["/ok"]], f"{base}/slow": [by_url["/slow"]]}

    async def cancelled() -> None:
        task = asyncio.ensure_future(
            links.check_links(
                root, targets, link_settings.Settings(timeout=10, allow_private_addresses=True)
            )
        )
        await asyncio.sleep(1.0)  # /ok is done, /slow is still waiting
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancelled())
    assert _fetch(root, by_url["/ok"])["verdict"] == "ok"
    assert "fetch" not in (root / by_url["/slow"]).read_text()
    assert not list(root.rglob(".*.tmp"))


# SSRF: only public addresses, checked on every hop, pinned


def _invoke(root: Path, *extra: str) -> Any:
    return CliRunner().invoke(cli, ["check-links", "--root", str(root), *extra])


@pytest.fixture
def no_connections(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every connection attempt (socket or HTTP client) recorded and refused."""
    attempts: list[object] = []

    def refuse_connect(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("test: no connection may be made")

    async def refuse_send(self: object, request: object, **_: object) -> None:
        attempts.append(request)
        raise OSError("test: nothing may be sent")

    monkeypatch.setattr(socket.socket, "connect", refuse_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse_connect)
    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", refuse_send)
    return attempts


def test_loopback_in_every_spelling_is_refused_before_connecting(
    make_registry: MakeRegistry, listener: Listener, fake_dns: FakeDns
) -> None:
    port = listener.port
    hosts = ["127.0.0.2", "localhost", "localhost.", "a.localhost", "2130706434"]
    hosts += ["0x7f000002", "127.2", "[::ffff:127.0.0.2]", "[::1]", "0.0.0.0"]
    root, by_url = _registry(make_registry, "http://", [f"{host}:{port}/x" for host in hosts])
    result = _invoke(root, "--format", "json")
    assert result.exit_code == 0, result.output
    assert listener.accepted == 0
    for file in by_url.values():
        assert _fetch(root, file)["verdict"] == "error"
    details = [link["detail"] for link in json.loads(result.stdout)["links"]]
    assert len(details) == len(hosts)
    assert all(detail.startswith("refused: ") for detail in details), details


def test_private_addresses_of_any_kind_are_refused_before_anything_is_sent(
    make_registry: MakeRegistry, fake_dns: FakeDns, no_connections: list[object]
) -> None:
    fake_dns.add("metadata.example", ["169.254.169.254"])
    fake_dns.add("intranet.example", ["10.0.0.7"])
    fake_dns.add("mixed.example", ["8.8.8.8", "192.168.0.1"])
    fake_dns.add("cgnat.example", ["100.64.1.1"])
    fake_dns.add("ula.example", ["fd00::5"])
    urls = ["http://metadata.example/latest/meta-data", "http://intranet.example/"]
    urls += ["https://mixed.example/", "http://cgnat.example/", "http://ula.example/"]
    urls += ["http://10.1.2.3/", "http://[fe80::1]/", "http://[ff02::1]/", "http://224.0.0.1/"]
    root, by_url = _registry(make_registry, "", urls)
    code, out = _run(root, private=False)
    assert code == 0, out
    assert no_connections == []
    assert out.count("refused: ") == len(urls)
    assert {_fetch(root, file)["verdict"] for file in by_url.values()} == {"error"}


def test_private_addresses_may_be_allowed_by_resreg_toml(
    make_registry: MakeRegistry, server: _Server
) -> None:
    base = f"http://127.0.0.1:{server.server_address[1]}"
    root, by_url = _registry(make_registry, base, ["/ok"])
    assert _run(root, private=False)[0] == 0
    assert _fetch(root, by_url["/ok"])["verdict"] == "error"  # refused
    assert server.requests["GET /ok"] == 0
    (root / "resreg.toml").write_text("[network]\nallow_private_addresses = true\n")
    assert _run(root, "--stale-after", "0", private=False)[0] == 0
    assert _fetch(root, by_url["/ok"])["verdict"] == "ok"


@pytest.fixture
def pretend_public(monkeypatch: pytest.MonkeyPatch) -> None:
    """127.0.0.1 (the test server) counts as a public address; nothing else changes."""
    real = netguard.address_refusal

    def refusal(address: netguard.IPAddress) -> str | None:
        return None if str(address) == "127.0.0.1" else real(address)

    monkeypatch.setattr(netguard, "address_refusal", refusal)


@pytest.mark.usefixtures("pretend_public")
def test_redirects_to_private_addresses_are_refused_and_their_urls_never_recorded(
    make_registry: MakeRegistry, server: _Server, listener: Listener
) -> None:
    base = f"http://127.0.0.1:{server.server_address[1]}"
    cases = ["/to-internal", "/to-localhost", "/to-mapped", "/to-decimal", "/to-creds", "/ok"]
    root, by_url = _registry(make_registry, base, cases)
    code, out = _run(root, private=False)
    assert code == 0, out
    assert _fetch(root, by_url["/ok"])["verdict"] == "ok"  # the public hop itself is fine
    assert listener.accepted == 0
    assert server.requests["GET /ok"] == 1  # never through the redirect with credentials
    for path in cases[:-1]:
        fetch = _fetch(root, by_url[path])
        assert (fetch["status"], fetch["verdict"]) == (302, "error"), path
        assert "final_url" not in fetch
    files = "".join((root / file).read_text() for file in by_url.values())
    assert "SECRET" not in files + out
    assert "refused: 127.0.0.2 is a loopback address" in out


def test_a_name_is_resolved_once_and_the_request_pinned_to_its_address(
    make_registry: MakeRegistry,
    server: _Server,
    fake_dns: FakeDns,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # one lookup per request (the page, then the probe of a random path on its host); the
    # third answer would move the name elsewhere (DNS rebinding): it is never asked
    fake_dns.add("pinned.example", ["127.0.0.1"], ["127.0.0.1"], ["10.9.9.9"])
    connected: list[object] = []
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        connected.append(address[0])
        assert str(address[0]).startswith("127."), "a test may only connect to 127.0.0.0/8"
        real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    port = server.server_address[1]
    root, by_url = _registry(make_registry, f"http://pinned.example:{port}", ["/ok"])
    code, out = _run(root)
    assert code == 0, out
    assert _fetch(root, by_url["/ok"])["verdict"] == "ok"
    assert fake_dns.asked.count("pinned.example") == 2
    assert set(connected) == {"127.0.0.1"}
    assert f"Host: pinned.example:{port}" in server.headers_seen["/ok"]


# One URL never stops the run


def test_unusable_urls_and_redirect_targets_are_verdicts_and_the_run_goes_on(
    make_registry: MakeRegistry, server: _Server
) -> None:
    base = f"http://127.0.0.1:{server.server_address[1]}"
    redirects = ["/to-port", "/to-idna", "/to-mailto", "/to-about", "/to-data", "/to-js"]
    redirects += ["/to-octal", "/to-bracket"]
    root, by_url = _registry(make_registry, base, [*redirects, "/to-space", "/ok"])
    for index, url in enumerate(["http://0177.0.0.1/", "http://[::1/", "http://h:99999/"]):
        file, text = resource_text(f"sid_Bad{index:07d}", url)
        (root / file).parent.mkdir(parents=True, exist_ok=True)
        (root / file).write_text(text)
        by_url[url] = file
    result = _invoke(root, "--allow-private-addresses")
    assert result.exit_code == 0, result.stderr
    for path in redirects:
        fetch = _fetch(root, by_url[path])
        assert (fetch["status"], fetch["verdict"]) == (302, "error"), path
    for url in ["http://0177.0.0.1/", "http://[::1/", "http://h:99999/"]:
        assert _fetch(root, by_url[url])["verdict"] == "error"
    assert _fetch(root, by_url["/ok"])["verdict"] == "ok"
    spaced = _fetch(root, by_url["/to-space"])
    assert (spaced["verdict"], spaced["final_url"]) == ("redirected", f"{base}/a%20b")
    assert "javascript" not in "".join((root / file).read_text() for file in by_url.values())


def test_what_check_links_writes_passes_validation(
    make_registry: MakeRegistry, server: _Server
) -> None:
    base = f"http://127.0.0.1:{server.server_address[1]}"
    paths = ["/to-space", "/bidi-type", "/control-type", "/spaced-type", "/to-mailto", "/ok"]
    root, by_url = _registry(make_registry, base, paths)
    code, out = _run(root)
    assert code == 0, out
    for path in ["/bidi-type", "/spaced-type"]:
        fetch = _fetch(root, by_url[path])
        assert fetch["verdict"] == "ok"
        assert "content_type" not in fetch  # header text that is not a media type
    assert validate(root, Options(cache=False, ignore=LOOPBACK_URLS)).findings == []


def test_a_result_that_would_fail_validation_is_not_written(
    make_registry: MakeRegistry, server: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = f"http://127.0.0.1:{server.server_address[1]}"
    root, by_url = _registry(make_registry, base, ["/ok"])
    before = (root / by_url["/ok"]).read_bytes()
    monkeypatch.setattr(fetching, "media_type", lambda header: "Text/HTML\u202e")  # a bug
    code, out = _run(root)
    assert code == 1
    assert (root / by_url["/ok"]).read_bytes() == before
    assert f"unwritten  {by_url['/ok']}: not written" in out


def test_the_timeout_bounds_the_whole_request(make_registry: MakeRegistry, server: _Server) -> None:
    base = f"http://127.0.0.1:{server.server_address[1]}"
    drips = ["/drip-headers", "/drip-continue", "/drip-body"]
    root, by_url = _registry(make_registry, base, drips)
    started = time.monotonic()
    code, out = _run(root, "--timeout", "2", "--per-host", "3")
    elapsed = time.monotonic() - started
    assert code == 0, out
    # each server would drip for 30 s, never pausing long enough for a per-read timeout
    assert elapsed < 10, elapsed
    for path in drips:
        assert _fetch(root, by_url[path])["verdict"] == "error"
    assert out.count("timed out") == 3


# Failures never erase what was known


GOOD = {
    "status": 200,
    "checked_at": "2026-01-01T00:00:00Z",
    "bytes": 9216,
    "content_type": "text/html",
    "verdict": "ok",
}


def _registry_with_answers(
    make_registry: MakeRegistry, base: str, paths: list[str]
) -> tuple[Path, dict[str, str]]:
    files: dict[str, bytes | str] = {}
    by_url: dict[str, str] = {}
    for index, path in enumerate(paths):
        file, text = resource_text(f"sid_Good{index:06d}", f"{base}{path}", fetch=GOOD)
        files[file] = text
        by_url[path] = file
    return make_registry(files), by_url


def test_a_failure_keeps_the_last_answer_and_counts_beside_it(
    make_registry: MakeRegistry, server: _Server
) -> None:
    base = f"http://127.0.0.1:{server.server_address[1]}"
    root, by_url = _registry_with_answers(make_registry, base, ["/slow", "/500", "/404", "/ok"])
    code, out = _run(root, "--timeout", "1")
    assert code == 0, out
    for path in ["/slow", "/500"]:
        fetch = _fetch(root, by_url[path])
        assert {key: fetch[key] for key in GOOD} == GOOD, path
        assert fetch["failures"] == 1
        assert str(fetch["failing_since"]).startswith(dt.datetime.now(dt.UTC).strftime("%Y-"))
    dead = _fetch(root, by_url["/404"])  # a definite answer counts at once
    assert (dead["status"], dead["verdict"]) == (404, "dead")
    assert "failures" not in dead
    assert validate(root, Options(cache=False, ignore=LOOPBACK_URLS)).findings == []


def _outcome(kind: OutcomeKind, status: int = 0) -> Outcome:
    verdict = "ok" if status == 200 else "error"
    return Outcome("https://example.org/", status, "2026-03-01T00:00:00Z", verdict, kind=kind)


def test_a_link_is_dead_only_after_failures_seven_days_apart() -> None:
    day = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    first = merged_fetch(GOOD, _outcome("no-answer"), day)
    assert (first["verdict"], first["failures"], first["status"]) == ("ok", 1, 200)
    same_week = merged_fetch(first, _outcome("unreachable"), day + dt.timedelta(days=6))
    assert (same_week["verdict"], same_week["failures"]) == ("ok", 2)
    assert same_week["failing_since"] == first["failing_since"]
    later = merged_fetch(same_week, _outcome("no-answer"), day + dt.timedelta(days=7))
    assert (later["verdict"], later["failures"], later["bytes"]) == ("dead", 3, 9216)
    answered = merged_fetch(later, _outcome("answer", 200), day + dt.timedelta(days=8))
    assert (answered["verdict"], "failures" in answered) == ("ok", False)
    never_answered = merged_fetch(None, _outcome("no-answer"), day)
    assert (never_answered["status"], never_answered["failures"]) == (0, 1)


def _closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


def test_without_network_nothing_is_written_and_the_run_stops(
    make_registry: MakeRegistry, fake_dns: FakeDns
) -> None:
    base = f"http://127.0.0.1:{_closed_port()}"
    root, by_url = _registry_with_answers(make_registry, base, ["/a", "/b", "/c", "/d"])
    before = {file: (root / file).read_bytes() for file in by_url.values()}
    result = _invoke(root, "--allow-private-addresses", "--stale-after", "0")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "network looks unavailable: 4 of 4 requests could not connect" in result.stderr
    assert result.stderr.rstrip().endswith("no failure was recorded and nothing was written")
    assert {file: (root / file).read_bytes() for file in by_url.values()} == before


def test_when_most_requests_cannot_connect_no_failure_is_written(
    make_registry: MakeRegistry, server: _Server
) -> None:
    closed = f"http://127.0.0.1:{_closed_port()}"
    root, by_url = _registry_with_answers(make_registry, closed, ["/a", "/b", "/c"])
    file, text = resource_text("sid_Fine000000", f"http://127.0.0.1:{server.server_address[1]}/ok")
    (root / file).parent.mkdir(parents=True, exist_ok=True)
    (root / file).write_text(text)
    before = {path: (root / path).read_bytes() for path in by_url.values()}
    result = _invoke(root, "--allow-private-addresses")
    assert result.exit_code == 2
    assert "3 of 4 requests could not connect" in result.stderr
    assert "no failure was recorded and only the one answer received was written" in result.stderr
    assert {path: (root / path).read_bytes() for path in by_url.values()} == before
    assert "status: 200" in (root / file).read_text()  # the one answer was kept


def test_a_run_without_network_stops_early(
    make_registry: MakeRegistry, fake_dns: FakeDns, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = f"http://127.0.0.1:{_closed_port()}"
    root, _ = _registry_with_answers(make_registry, base, [f"/{n}" for n in range(30)])
    pinned: list[str] = []
    real_pin = netguard.pin

    async def counting_pin(url: httpx.URL, *, allow_private: bool) -> object:
        pinned.append(str(url))
        return await real_pin(url, allow_private=allow_private)

    monkeypatch.setattr(netguard, "pin", counting_pin)
    result = _invoke(root, "--allow-private-addresses", "--concurrency", "1")
    assert result.exit_code == 2
    assert len(pinned) == links.OFFLINE_EARLY_STOP  # not all 30
    assert f"{links.OFFLINE_EARLY_STOP} of {links.OFFLINE_EARLY_STOP} requests" in result.stderr
