"""What check-links reads from a page: extraction, the clean preview, drift, soft 404s and
walls, archived copies. Every server is on 127.0.0.1; the archive services are recorded
answers written from their documentation."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from conftest import FIXTURES, MakeRegistry, resource_text
from resource_registry.base import config, safetext
from resource_registry.base.errors import UsageError
from resource_registry.check.file_rules import check_resource
from resource_registry.cli import cli
from resource_registry.content import archive, extract, fingerprint, page, text, walls
from resource_registry.linkcheck.fetch_block import merged_fetch
from resource_registry.linkcheck.outcomes import Outcome
from resource_registry.record.reader import Document, read_document
from resource_registry.record.urls import resource_id
from resource_registry.record.writer import RESOURCE_ORDER, render

PAGES = FIXTURES / "content"
WIDE_WORD = "".join(chr(0x1D518 + offset) for offset in range(7)) + " "  # 4 bytes each in UTF-8
LABELS: dict[str, dict[str, Any]] = json.loads((PAGES / "labels.json").read_text())["pages"]
TODAY = dt.datetime.now(dt.UTC).date()

Route = tuple[int, dict[str, str], bytes]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    routes: dict[str, Route | Callable[[BaseHTTPRequestHandler], Route]]
    fallback: Route
    requests: Counter[str]
    seen: list[tuple[str, str, dict[str, str], bytes]]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *_: object) -> None:
        return

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        key = urlsplit(self.path).path
        self.server.requests[key] += 1
        self.server.seen.append((self.command, self.path, dict(self.headers.items()), body))
        route = self.server.routes.get(key, self.server.fallback)
        status, headers, content = route(self) if callable(route) else route
        self.send_response(status)
        headers = {"Content-Type": "text/html; charset=utf-8", **headers}
        for name, value in headers.items():
            self.send_header(name, value.format(port=self.server.server_address[1]))
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)


@pytest.fixture
def server() -> Iterator[_Server]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.routes = {}
    httpd.fallback = (404, {}, b"<html><title>Not Found</title><body>Not Found</body></html>")
    httpd.requests = Counter()
    httpd.seen = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _base(server: _Server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def _html(title: str, *paragraphs: str) -> bytes:
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return (
        f"<!doctype html><html lang='en'><head><title>{title}</title></head><body>"
        f"<nav>Home · About · Contact</nav><article><h1>{title}</h1>{body}</article>"
        "<footer>© 2026 Example</footer></body></html>"
    ).encode()


PROSE = [
    f"Paragraph {n} of a report on how cited pages change: archives keep copies, publishers "
    f"move pages, and readers follow links that lead elsewhere; note {n * 7} on fixity."
    for n in range(30)
]


def _registry(make_registry: MakeRegistry, urls: dict[str, str], **fields: object) -> Path:
    files: dict[str, bytes | str] = {}
    for stable_id, url in urls.items():
        file, content = resource_text(stable_id, url, title=f"Title of {stable_id}", **fields)
        files[file] = content
    return make_registry(files)


def _run(root: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner(env=env).invoke(
        cli,
        [
            "check-links",
            "--root",
            str(root),
            "--allow-private-addresses",
            "--stale-after",
            "0",
            *extra,
        ],
        catch_exceptions=False,
    )
    return result.exit_code, result.stdout


def _record(root: Path, stable_id: str) -> dict[str, Any]:
    path = next(root.glob(f"data/resources/*/{stable_id}.yaml"))
    parsed = read_document(path.read_bytes())
    assert isinstance(parsed, Document)
    assert isinstance(parsed.data, dict)
    errors = [
        finding
        for finding in check_resource(str(path.relative_to(root)), parsed, TODAY).findings
        if finding.severity.value == "error"
    ]
    assert errors == []
    return parsed.data


# --- extraction and the preview ----------------------------------------------------------


def test_the_main_text_is_read_without_boilerplate(server: _Server) -> None:
    body = _html("A report on drift", *PROSE[:6])
    reading = page.read(body, "text/html", status=200, url="http://x/a", final_url=None)
    assert reading is not None
    assert reading.page_title == "A report on drift"
    assert reading.language == "en"
    assert reading.preview is not None
    assert reading.preview.startswith("A report on drift Paragraph 0 of a report")
    assert "Home · About" not in reading.preview
    assert "© 2026" not in (reading.preview or "")
    assert reading.words is not None
    assert reading.words > 100
    # the boilerplate around the text does not move the fingerprint
    other = body.replace(b"Home \xc2\xb7 About \xc2\xb7 Contact", b"Shop, Jobs, Press, Events")
    again = page.read(other, "text/html", status=200, url="http://x/a", final_url=None)
    assert again is not None
    assert again.fingerprint == reading.fingerprint


def _pdf(title: str, words: str) -> bytes:
    """A one-page PDF with a text line and a title in its metadata, written by hand."""
    stream = f"BT /F1 12 Tf 72 720 Td ({words}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /Lang (fr-CA) >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 "
        b"5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Title (" + title.encode() + b") >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, content in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + content + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def test_a_pdf_gives_its_text_title_and_language() -> None:
    body = _pdf("Annual Report 2025", "Revenue grew while the archive kept every page")
    reading = page.read(body, "application/pdf", status=200, url="http://x/r.pdf", final_url=None)
    assert reading is not None
    assert reading.page_title == "Annual Report 2025"
    assert reading.language == "fr-CA"
    assert reading.words == 8
    assert reading.preview == "Revenue grew while the archive kept every page"


@pytest.mark.parametrize(
    "body",
    [b"%PDF-1.4\n1 0 obj << /Type /Catalog", b"%PDF-" + bytes(range(256)) * 20, b"\x00" * 100],
)
def test_a_broken_pdf_has_no_text_and_is_no_error(body: bytes) -> None:
    assert page.read(body, "application/pdf", status=200, url="http://x/", final_url=None) is None


def test_media_types_without_text_are_not_read() -> None:
    assert extract.kind_of(b"GIF89a", "image/gif") is None
    assert extract.kind_of(b"%PDF-1.7", None) == "pdf"
    assert extract.kind_of(b"<!doctype html><html>", "application/octet-stream") == "html"


@given(st.text(max_size=2000))
def test_any_text_becomes_a_line_that_passes_the_text_rules(raw: str) -> None:
    line = text.one_line(raw, 300, 600)
    if line is None:
        return
    assert safetext.refused_character(line) is None
    assert line == line.strip()
    assert "\n" not in line
    assert "\t" not in line
    assert len(line) <= 300
    assert len(line.encode()) <= 600


def test_a_cut_line_ends_at_a_word_with_an_ellipsis() -> None:
    assert text.one_line("alpha beta gamma delta", 15, 100) == "alpha beta…"
    assert text.one_line("\u202e\u200b \n\t", 10, 10) is None
    assert text.one_line("a\u00a0b\u2028c\x00d\u200de", 20, 20) == "a b cde"


HOSTILE = (
    "<html lang='en\u202e'><head><title>\u202eevil\x1b[31m title\u200b&amp;&#0;</title>"
    "<meta property='og:title' content='\u0000\u2066Bidi\u2069 &#x202e; title'></head><body>"
    "<article><p>"
    + "\U0001f600\u0301\u200d\ud7ff\ue000 \x7f\x85 \ufeff tab\there "
    + WIDE_WORD * 200
    + "</p></article></body></html>"
)


def test_a_hostile_page_never_makes_a_file_that_fails_validation(
    make_registry: MakeRegistry, server: _Server
) -> None:
    server.routes["/evil"] = (200, {}, HOSTILE.encode("utf-8", "surrogatepass"))
    root = _registry(make_registry, {"sid_Evil000001": f"{_base(server)}/evil"})
    code, out = _run(root)
    assert code == 0, out
    fetch = _record(root, "sid_Evil000001")["fetch"]
    assert fetch["verdict"] == "ok"
    for name in ("page_title", "preview"):
        assert safetext.refused_character(fetch[name]) is None
    assert "\x1b" not in fetch["page_title"]
    assert "language" not in fetch  # `en` followed by an override is no language tag


# --- size -----------------------------------------------------------------------------


def test_a_resource_with_its_snapshot_stays_under_4_kb() -> None:
    """A full record (the design's example, every text field used) with the largest
    snapshot a check can write: 4-byte characters in the title and preview."""
    url = "https://merics.org/en/comment/chinas-social-credit-score-untangling-myth-reality"
    wide = WIDE_WORD * 400
    body = (
        f"<html lang='zh-Hant-TW'><head><title>{wide}</title></head><body><article>"
        f"<p>{wide}</p></article></body></html>"
    ).encode()
    reading = page.read(body, "text/html", status=200, url=url, final_url=None)
    assert reading is not None
    outcome = Outcome(
        url=url,
        status=200,
        checked_at="2026-04-07T00:00:00Z",
        verdict="redirected",
        final_url=url + "?page=1&lang=en",
        bytes=9216,
        content_type="text/html",
        content_sha256="0" * 64,
        reading=reading,
    )
    old = {
        "status": 200,
        "checked_at": "2026-01-07T00:00:00Z",
        "fingerprint": "0123456789abcdef",
        "first_fingerprint": "fedcba9876543210",
        "archive_url": f"https://web.archive.org/web/20260107000000/{url}",
        "archived_at": "2026-01-07T00:00:00Z",
    }
    block = merged_fetch(old, outcome, dt.datetime(2026, 4, 7, tzinfo=dt.UTC))
    assert {"similarity", "first_fingerprint", "archive_url", "preview"} <= set(block)
    record = {
        "stable_id": "sid_d9EnmTcnin",
        "id": resource_id(url),
        "url": url,
        "title": "over 200 million AI-powered surveillance cameras",
        "type": "web",
        "publication": "merics",
        "published_date": "2022-02-11",
        "authors": ["Vincent Brussee"],
        "importance": 28,
        "labels": ["organizational-report", "commentary"],
        "relevance": "Why the knowledge base cites it, in one line of about ninety characters.",
        "summary": "One or two sentences that say what the source argues, in about fifty "
        "words, enough for a reader to decide whether to open it.",
        "key_points": [
            "A first claim of the source, in a sentence.",
            "A second claim of the source, in a sentence.",
        ],
        "tags": ["surveillance", "china"],
        "cited_by": ["lock-in"],
        "fetch": block,
    }
    size = len(render(record, RESOURCE_ORDER).encode())
    assert size < 4096, size


# --- drift --------------------------------------------------------------------------------


def test_drift_is_recorded_reported_and_the_first_fingerprint_kept(
    make_registry: MakeRegistry, server: _Server
) -> None:
    server.routes["/report"] = (200, {}, _html("Report", *PROSE[:20]))
    server.routes["/stable"] = (200, {}, _html("Stable", *PROSE[5:25]))
    base = _base(server)
    root = _registry(make_registry, {"sid_Drift00001": f"{base}/report"})
    root = _registry(make_registry, {"sid_Stabl00001": f"{base}/stable"})
    assert _run(root)[0] == 0
    first = _record(root, "sid_Drift00001")["fetch"]
    assert "first_fingerprint" not in first  # equal to the fingerprint: not repeated
    assert "similarity" not in first
    # a small edit is no drift; a new text is
    server.routes["/stable"] = (200, {}, _html("Stable", *PROSE[5:24], "One sentence more."))
    server.routes["/report"] = (200, {}, _html("Report", "A different text entirely. " * 80))
    code, out = _run(root, "--format", "json")
    assert code == 0
    report = json.loads(out)
    drifted = {entry["url"]: entry for entry in report["drifted"]}
    assert set(drifted) == {f"{base}/report"}
    assert report["summary"]["drifted"] == 1
    after = _record(root, "sid_Drift00001")["fetch"]
    assert after["first_fingerprint"] == first["fingerprint"]
    assert after["similarity"] == drifted[f"{base}/report"]["similarity"]
    assert after["similarity"] < fingerprint.DRIFT_BELOW
    assert "similarity" not in _record(root, "sid_Stabl00001")["fetch"]
    # the next check of an unchanged text: no drift since the previous text, but the first
    # text is still far: the slow drift stays visible until someone accepts it
    code, out = _run(root, "--format", "json")
    again = _record(root, "sid_Drift00001")["fetch"]
    assert again["first_fingerprint"] == first["fingerprint"]
    assert "similarity" in again
    assert [entry["url"] for entry in json.loads(out)["drifted"]] == [f"{base}/report"]
    text_code, text_out = _run(root)
    assert text_code == 0
    assert f"drifted    {again['similarity']:.2f} {base}/report" in text_out


def test_slow_drift_is_caught_against_the_first_text() -> None:
    texts = [" ".join(PROSE[step : step + 20]) for step in range(0, 12, 2)]
    prints = [fingerprint.simhash(one) for one in texts]
    assert all(prints)
    known = [one for one in prints if one is not None]
    steps = [fingerprint.similarity(a, b) for a, b in itertools.pairwise(known)]
    assert min(steps) >= fingerprint.DRIFT_BELOW  # each step alone is no drift
    assert fingerprint.similarity(known[0], known[-1]) < fingerprint.DRIFT_BELOW


# --- the failure rules ------------------------------------------------------------------


def test_a_dead_link_or_a_wall_keeps_the_text_last_seen(
    make_registry: MakeRegistry, server: _Server
) -> None:
    base = _base(server)
    server.routes["/a"] = (200, {}, _html("Alpha", *PROSE[:10]))
    server.routes["/b"] = (200, {}, _html("Beta", *PROSE[10:20]))
    root = _registry(make_registry, {"sid_Keep000001": f"{base}/a", "sid_Keep000002": f"{base}/b"})
    assert _run(root)[0] == 0
    known_a = _record(root, "sid_Keep000001")["fetch"]
    known_b = _record(root, "sid_Keep000002")["fetch"]
    server.routes["/a"] = (404, {}, b"<html><title>404</title>gone</html>")
    challenge = (PAGES / "cloudflare-jschallenge.html").read_bytes()
    server.routes["/b"] = (403, {}, challenge)
    assert _run(root)[0] == 0
    gone, walled = (
        _record(root, "sid_Keep000001")["fetch"],
        _record(root, "sid_Keep000002")["fetch"],
    )
    assert (gone["verdict"], walled["verdict"]) == ("dead", "bot-wall")
    for before, after in ((known_a, gone), (known_b, walled)):
        for name in ("page_title", "words", "fingerprint", "preview", "language"):
            assert after[name] == before[name]
        assert "similarity" not in after


# --- soft 404s and walls ------------------------------------------------------------------


def _verdict(name: str) -> str:
    """The verdict check-links gives a labelled page: its signatures, then the probe."""
    entry = LABELS[name]
    body = (PAGES / name).read_bytes()
    status, url, final = entry["status"], entry["url"], entry.get("final_url")
    reading = page.read(body, "text/html", status=status, url=url, final_url=final)
    assert reading is not None
    if reading.wall is not None:
        return reading.wall
    probe = entry.get("probe")
    if probe is not None:
        probed = page.read(
            (PAGES / probe["page"]).read_bytes() if probe["page"] else b"<html>Not found</html>",
            "text/html",
            status=probe["status"],
            url="https://probe/",
            final_url=probe["final_url"],
        )
        found = walls.Probe(probe["status"], probe["final_url"], probed and probed.fingerprint)
        if walls.like_the_probe(
            found, url=url, final_url=final or url, fingerprint=reading.fingerprint
        ):
            return "soft-404"
    return "ok"


@pytest.mark.parametrize("name", sorted(LABELS))
def test_each_labelled_page_gets_its_verdict(name: str) -> None:
    assert _verdict(name) == LABELS[name]["label"]


def test_the_labelled_set_has_every_kind_and_its_look_alikes() -> None:
    kinds = Counter(entry["label"] for entry in LABELS.values())
    assert set(kinds) == {"ok", "soft-404", "login-wall", "bot-wall"}
    assert min(kinds.values()) >= 4


def test_soft_404s_are_told_by_a_probe_once_per_host(
    make_registry: MakeRegistry, server: _Server
) -> None:
    shop = (PAGES / "catch-all.html").read_bytes()
    server.fallback = (200, {}, shop)  # this host answers any path with its home page
    server.routes["/real"] = (200, {}, _html("A real product page", *PROSE[:8]))
    base = _base(server)
    root = _registry(
        make_registry,
        {
            "sid_Soft000001": f"{base}/gone-1",
            "sid_Soft000002": f"{base}/gone-2",
            "sid_Soft000003": f"{base}/real",
        },
    )
    code, out = _run(root, "--format", "json")
    assert code == 0
    verdicts = {
        sid: _record(root, sid)["fetch"]["verdict"]
        for sid in ("sid_Soft000001", "sid_Soft000002", "sid_Soft000003")
    }
    assert verdicts == {
        "sid_Soft000001": "soft-404",
        "sid_Soft000002": "soft-404",
        "sid_Soft000003": "ok",
    }
    probes = [path for path in server.requests if path not in ("/gone-1", "/gone-2", "/real")]
    assert len(probes) == 1  # one random path, once for the host
    assert json.loads(out)["summary"]["soft-404"] == 2
    # a soft 404 found at the first check records no text of the "not found" page
    assert "preview" not in _record(root, "sid_Soft000001")["fetch"]


def test_walls_and_soft_404s_are_verdicts_of_their_own(
    make_registry: MakeRegistry, server: _Server
) -> None:
    server.routes["/challenge"] = (503, {}, (PAGES / "cloudflare-jschallenge.html").read_bytes())
    server.routes["/notfound"] = (200, {}, (PAGES / "wp-not-found.html").read_bytes())
    server.routes["/private"] = (302, {"Location": "/login?next=/private"}, b"")
    server.routes["/login"] = (200, {}, (PAGES / "login-redirect.html").read_bytes())
    base = _base(server)
    ids = {
        "sid_Wall000001": "/challenge",
        "sid_Wall000002": "/notfound",
        "sid_Wall000003": "/private",
    }
    root = _registry(make_registry, {sid: base + path for sid, path in ids.items()})
    code, out = _run(root, "--format", "json")
    assert code == 0, out
    verdicts = {sid: _record(root, sid)["fetch"]["verdict"] for sid in ids}
    assert verdicts == {
        "sid_Wall000001": "bot-wall",
        "sid_Wall000002": "soft-404",
        "sid_Wall000003": "login-wall",
    }
    fetch = _record(root, "sid_Wall000001")["fetch"]
    assert "failures" not in fetch  # a challenge served as 503 is an answer, not an outage
    summary = json.loads(out)["summary"]
    assert (summary["bot-wall"], summary["soft-404"], summary["login-wall"]) == (1, 1, 1)
    assert (summary["dead"], summary["ok"]) == (0, 0)


# --- archived copies ----------------------------------------------------------------------

# The availability API's answers as its documentation shows them.
AVAILABLE = {
    "archived_snapshots": {
        "closest": {
            "available": True,
            "url": "http://web.archive.org/web/20130919044612/http://example.com/",
            "timestamp": "20130919044612",
            "status": "200",
        }
    }
}
NOT_AVAILABLE: dict[str, object] = {"archived_snapshots": {}}


def _json_route(document: object) -> Route:
    return (200, {"Content-Type": "application/json"}, json.dumps(document).encode())


def _archive_config(root: Path, base: str, memento: bool = False) -> None:
    lines = [
        "[network]",
        "allow_private_addresses = true",
        "[endpoints]",
        f'wayback = "{base}/wayback/available"',
        f'savepagenow = "{base}/save"',
    ]
    if memento:
        lines.append(f'memento = "{base}/timegate"')
    (root / "resreg.toml").write_text("\n".join(lines) + "\n")


def test_a_dead_resource_gets_its_archived_copy(
    make_registry: MakeRegistry, server: _Server
) -> None:
    server.routes["/wayback/available"] = _json_route(AVAILABLE)
    server.routes["/fine"] = (200, {}, _html("Fine", *PROSE[:5]))
    base = _base(server)
    root = _registry(
        make_registry, {"sid_Arch000001": f"{base}/gone", "sid_Arch000002": f"{base}/fine"}
    )
    _archive_config(root, base)
    code, out = _run(root, "--format", "json")
    assert code == 0, out
    fetch = _record(root, "sid_Arch000001")["fetch"]
    assert fetch["verdict"] == "dead"
    assert fetch["archive_url"] == AVAILABLE["archived_snapshots"]["closest"]["url"]  # type: ignore[index]  # reason: the literal above
    assert fetch["archived_at"] == "2013-09-19T04:46:12Z"
    assert "archive_url" not in _record(root, "sid_Arch000002")["fetch"]  # live: not asked
    asked = [path for method, path, _, _ in server.seen if path.startswith("/wayback")]
    assert len(asked) == 1
    assert parse_qs(urlsplit(asked[0]).query)["url"] == [f"{base}/gone"]
    assert json.loads(out)["links"][0]["archive_url"] == fetch["archive_url"]
    # known copies are kept, and not asked for again
    _run(root)
    assert _record(root, "sid_Arch000001")["fetch"]["archive_url"] == fetch["archive_url"]
    assert len([p for _, p, _, _ in server.seen if p.startswith("/wayback")]) == 1


def test_a_drifted_resource_asks_for_the_copy_closest_to_the_text_it_had(
    make_registry: MakeRegistry, server: _Server
) -> None:
    server.routes["/wayback/available"] = _json_route(AVAILABLE)
    server.routes["/page"] = (200, {}, _html("Page", *PROSE[:20]))
    base = _base(server)
    root = _registry(make_registry, {"sid_Arch000003": f"{base}/page"})
    _archive_config(root, base)
    _run(root)
    checked = _record(root, "sid_Arch000003")["fetch"]["checked_at"]
    server.routes["/page"] = (200, {}, _html("Page", "Entirely new words here. " * 60))
    code, out = _run(root, "--format", "json")
    assert code == 0
    (asked,) = [p for _, p, _, _ in server.seen if p.startswith("/wayback")]
    stamp = checked.replace("-", "").replace(":", "").replace("T", "").rstrip("Z")
    assert parse_qs(urlsplit(asked).query)["timestamp"] == [stamp]
    assert json.loads(out)["drifted"][0]["archive_url"].startswith("http://web.archive.org/")


def test_a_memento_timegate_is_asked_when_the_wayback_machine_has_none(
    make_registry: MakeRegistry, server: _Server
) -> None:
    server.routes["/wayback/available"] = _json_route(NOT_AVAILABLE)
    memento = "http://archive.example/20200101120000/http://example.com/"
    link = f'<{memento}>; rel="memento"; datetime="Wed, 01 Jan 2020 12:00:00 GMT"'
    base = _base(server)

    def gate(handler: BaseHTTPRequestHandler) -> Route:
        assert "Accept-Datetime" in handler.headers
        return (302, {"Location": memento, "Link": link, "Vary": "accept-datetime"}, b"")

    server.routes[f"/timegate/{base}/gone"] = gate
    root = _registry(make_registry, {"sid_Arch000004": f"{base}/gone"})
    _archive_config(root, base, memento=True)
    code, out = _run(root)
    assert code == 0
    fetch = _record(root, "sid_Arch000004")["fetch"]
    assert "archive_url" in fetch, (out, server.seen)
    assert (fetch["archive_url"], fetch["archived_at"]) == (memento, "2020-01-01T12:00:00Z")


@pytest.mark.parametrize(
    "answer",
    [
        (500, {}, b"oops"),
        (200, {"Content-Type": "application/json"}, b"{not json"),
        _json_route(
            {
                "archived_snapshots": {
                    "closest": {
                        "available": True,
                        "url": "javascript:x",
                        "timestamp": "20130919044612",
                    }
                }
            }
        ),
        _json_route(
            {
                "archived_snapshots": {
                    "closest": {"available": True, "url": "http://a.example/", "timestamp": "2013"}
                }
            }
        ),
        _json_route(
            {
                "archived_snapshots": {
                    "closest": {
                        "available": True,
                        "url": "http://a.example/\u202e",
                        "timestamp": "20130919044612",
                    }
                }
            }
        ),
    ],
)
def test_a_failed_or_hostile_archive_answer_changes_nothing(
    make_registry: MakeRegistry, server: _Server, answer: Route
) -> None:
    server.routes["/wayback/available"] = answer
    base = _base(server)
    root = _registry(make_registry, {"sid_Arch000005": f"{base}/gone"})
    _archive_config(root, base)
    code, out = _run(root, "--format", "json")
    assert code == 0
    assert "archive_url" not in _record(root, "sid_Arch000005")["fetch"]
    assert [entry["url"] for entry in json.loads(out)["archive_failures"]] == [f"{base}/gone"]


def test_save_page_now_only_with_archive_and_credentials_from_the_environment(
    make_registry: MakeRegistry, server: _Server
) -> None:
    server.routes["/wayback/available"] = _json_route(NOT_AVAILABLE)
    server.routes["/live"] = (200, {}, _html("Live", *PROSE[:5]))
    server.routes["/save"] = _json_route({"url": "x", "job_id": "spn2-0123abcd"})
    base = _base(server)
    server.routes["/save/status/spn2-0123abcd"] = _json_route(
        {"status": "success", "timestamp": "20260115093000", "original_url": f"{base}/live"}
    )
    root = _registry(make_registry, {"sid_Save000001": f"{base}/live"})
    _archive_config(root, base)
    _run(root)
    assert "archive_url" not in _record(root, "sid_Save000001")["fetch"]  # off by default
    assert not any(path.startswith("/save") for _, path, _, _ in server.seen)
    result = CliRunner(
        env={"RESREG_ARCHIVE_ACCESS_KEY": None, "RESREG_ARCHIVE_SECRET_KEY": None}
    ).invoke(cli, ["check-links", "--root", str(root), "--archive"], catch_exceptions=False)
    assert result.exit_code == 2
    assert "RESREG_ARCHIVE_ACCESS_KEY" in result.output
    secrets = {
        "RESREG_ARCHIVE_ACCESS_KEY": "access-KEY",
        "RESREG_ARCHIVE_SECRET_KEY": "s3cr3t-VALUE",
    }
    monkey = pytest.MonkeyPatch()
    monkey.setattr(archive.Services, "__init__", _fast_polls(archive.Services.__init__))
    try:
        code, out = _run(root, "--archive", env=secrets)
    finally:
        monkey.undo()
    assert code == 0, out
    fetch = _record(root, "sid_Save000001")["fetch"]
    assert fetch["archive_url"] == f"{base}/web/20260115093000/{base}/live"
    assert fetch["archived_at"] == "2026-01-15T09:30:00Z"
    (post,) = [entry for entry in server.seen if entry[0] == "POST"]
    assert post[2]["Authorization"] == "LOW access-KEY:s3cr3t-VALUE"
    assert parse_qs(post[3].decode()) == {"url": [f"{base}/live"]}
    assert "s3cr3t" not in out
    assert not any("s3cr3t" in p.read_text() for p in root.rglob("*.yaml"))


def _fast_polls(init: Callable[..., None]) -> Callable[..., None]:
    def fast(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **{**kwargs, "save_poll_interval": 0.0})

    return fast


# --- configuration ------------------------------------------------------------------------


def test_endpoints_come_from_resreg_toml() -> None:
    loaded = config.parse(
        b'[endpoints]\nwayback = "http://127.0.0.1:1/w"\nmemento = "http://127.0.0.1:1/tg"\n'
    )
    assert (loaded.endpoints.wayback, loaded.endpoints.memento) == (
        "http://127.0.0.1:1/w",
        "http://127.0.0.1:1/tg",
    )
    assert config.parse(b"").endpoints.wayback == "https://archive.org/wayback/available"
    assert config.parse(b"").endpoints.memento == ""


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (b'[endpoints]\nwaybak = "https://a.example/"\n', "`waybak`"),
        (b'[endpoints]\nwayback = "file:///etc/passwd"\n', "wayback"),
        (b"[endpoints]\nmemento = 1\n", "memento"),
    ],
)
def test_a_wrong_endpoint_is_a_usage_error_naming_it(text: bytes, named: str) -> None:
    with pytest.raises(UsageError, match=named):
        config.parse(text)


def test_fingerprints_are_stable_and_compact() -> None:
    one = fingerprint.simhash("the same words in the same order")
    assert one == fingerprint.simhash("The same  words, in the same order!")
    assert one is not None
    assert len(one) == 16
    assert fingerprint.simhash("") is None
    assert fingerprint.similarity(one, one) == 1.0


def _textbook_simhash(words: list[str]) -> str:
    """Charikar's simhash as written in the paper: +1/-1 per bit and shingle."""
    shingles = {" ".join(words[i : i + 3]) for i in range(max(len(words) - 2, 1))}
    votes = [0] * 64
    for shingle in shingles:
        digest = hashlib.blake2b(shingle.encode(), digest_size=8).digest()
        number = int.from_bytes(digest, "big")
        for bit in range(64):
            votes[bit] += 1 if number >> (63 - bit) & 1 else -1
    return f"{sum(1 << (63 - bit) for bit in range(64) if votes[bit] > 0):016x}"


@given(st.lists(st.sampled_from(["alpha", "beta", "gamma", "delta", "x1", "é"]), min_size=1))
def test_the_fast_simhash_is_the_textbook_one(words: list[str]) -> None:
    assert fingerprint.simhash(" ".join(words)) == _textbook_simhash(words)


def test_save_page_now_credentials_never_follow_a_redirect(
    make_registry: MakeRegistry, server: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.routes["/wayback/available"] = _json_route(NOT_AVAILABLE)
    server.routes["/live"] = (200, {}, _html("Live", *PROSE[:5]))
    server.routes["/save"] = _json_route({"url": "x", "job_id": "spn2-0123abcd"})
    server.routes["/save/status/spn2-0123abcd"] = (302, {"Location": "/elsewhere"}, b"")
    base = _base(server)
    root = _registry(make_registry, {"sid_Save000002": f"{base}/live"})
    _archive_config(root, base)
    monkeypatch.setattr(archive.Services, "__init__", _fast_polls(archive.Services.__init__))
    secrets = {"RESREG_ARCHIVE_ACCESS_KEY": "a", "RESREG_ARCHIVE_SECRET_KEY": "s3cr3t"}
    code, out = _run(root, "--archive", env=secrets)
    assert code == 0, out
    assert server.requests["/elsewhere"] == 0
    assert "archive_url" not in _record(root, "sid_Save000002")["fetch"]
    assert "s3cr3t" not in out
