"""Link checking against a scripted HTTP server on 127.0.0.1 (no other address is used)."""

from __future__ import annotations

import asyncio
import functools
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import MakeRegistry, resource_text
from resource_registry import Options, links, validate
from resource_registry.cli import cli
from resource_registry.loading import Document, read_document
from resource_registry.records import shard_path

BODY = b"<html>hello</html>"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    requests: Counter[str]
    times: dict[str, list[float]]


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
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


_PLAIN = {
    "/ok": (200, BODY),
    "/404": (404, b"no"),
    "/410": (410, b"no"),
    "/403": (403, b"no"),
    "/big": (200, b"x" * 5000),
}
_REDIRECTS = {
    "/r1": (301, "/r2"),
    "/r2": (302, "/ok"),
    "/loop": (302, "/loop"),
    "/tofile": (302, "file:///etc/passwd"),
}
_SPECIAL = {
    "/limited": _Handler.limited,
    "/slow": _Handler.slow,
    "/badlength": _Handler.bad_length,
    "/reset": _Handler.reset,
    "/nohead": _Handler.no_head,
}


@pytest.fixture
def server() -> Iterator[_Server]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.requests = Counter()
    httpd.times = {}
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
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
    monkeypatch.setattr(links, "Settings", functools.partial(links.Settings, body_cap=1000))
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
        "paywalled": 0,
        "blocked": 0,
        "error": 0,
    }


def test_checked_files_stay_valid(make_registry: MakeRegistry, server: _Server) -> None:
    base = f"http://127.0.0.1:{server.server_address[1]}"
    root, _ = _registry(make_registry, base, ["/ok", "/r1", "/404", "/reset"])
    _run(root)
    assert validate(root, Options(cache=False)).findings == []


def test_interrupted_run_keeps_what_was_written(
    make_registry: MakeRegistry, server: _Server
) -> None:
    base = f"http://127.0.0.1:{server.server_address[1]}"
    root, by_url = _registry(make_registry, base, ["/ok", "/slow"])
    targets = {f"{base}/ok": [by_url["/ok"]], f"{base}/slow": [by_url["/slow"]]}

    async def cancelled() -> None:
        task = asyncio.ensure_future(
            links.check_links(
                root, targets, links.Settings(timeout=10, allow_private_addresses=True)
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
