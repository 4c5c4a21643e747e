"""A server on 127.0.0.1 that answers with recorded responses, written from each API's
documentation (arXiv's Atom feed, CSL-JSON from DOI content negotiation, ForumMagnum's
GraphQL, Semantic Scholar's Graph API), and a registry whose ``resreg.toml`` points
every endpoint at it. Shared by the tests of the ``sources`` package and the benchmark.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: bytes
    headers: dict[str, str]
    at: float


Reply = tuple[int, dict[str, str], bytes]
Route = Reply | Callable[[Request], Reply]


@dataclass
class Recorded:
    """The server's routes (path -> reply) and every request it got."""

    server: ThreadingHTTPServer
    routes: dict[str, Route] = field(default_factory=dict)
    log: list[Request] = field(default_factory=list)
    latency: float = 0.0  # seconds before each answer, as a distant server takes
    active: int = 0  # requests being answered now
    peak: int = 0  # the most answered at once
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def asked(self, prefix: str) -> list[Request]:
        return [request for request in self.log if request.path.startswith(prefix)]


class _Handler(BaseHTTPRequestHandler):
    recorded: Recorded

    def log_message(self, *_: object) -> None:
        return

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            self.command,
            parts.path,
            parse_qs(parts.query),
            body,
            {k.lower(): v for k, v in self.headers.items()},
            time.monotonic(),
        )
        recorded = self.recorded
        recorded.log.append(request)
        with recorded.lock:
            recorded.active += 1
            recorded.peak = max(recorded.peak, recorded.active)
        try:
            self._reply(request)
        finally:
            with recorded.lock:
                recorded.active -= 1

    def _reply(self, request: Request) -> None:
        parts = urlsplit(self.path)
        if self.recorded.latency:
            time.sleep(self.recorded.latency)
        route = self.recorded.routes.get(parts.path)
        if route is None:
            status, headers, content = 404, {"Content-Type": "text/plain"}, b"not found"
        elif callable(route):
            status, headers, content = route(request)
        else:
            status, headers, content = route
        self.send_response(status)
        headers = {"Content-Length": str(len(content)), **headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(content)


@dataclass
class Paper:
    arxiv_id: str
    title: str
    authors: list[str]
    published: str
    summary: str


def atom_feed(papers: list[Paper], query: str = "") -> bytes:
    """An arXiv API answer, in the shape the API's user manual documents."""
    entries = "".join(
        f"""  <entry>
    <id>http://arxiv.org/abs/{paper.arxiv_id}v2</id>
    <updated>2021-02-01T00:00:00Z</updated>
    <published>{paper.published}</published>
    <title>{escape(paper.title)}</title>
    <summary>  {escape(paper.summary)}
</summary>
{"".join(f"    <author><name>{escape(name)}</name></author>{chr(10)}" for name in paper.authors)}\
    <link href="http://arxiv.org/abs/{paper.arxiv_id}v2" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/{paper.arxiv_id}v2" rel="related"
      type="application/pdf"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="cs.LG"
      scheme="http://arxiv.org/schemas/atom"/>
  </entry>
"""
        for paper in papers
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <link href="http://arxiv.org/api/query?{escape(query)}" rel="self"
    type="application/atom+xml"/>
  <title type="html">ArXiv Query: {escape(query)}</title>
  <id>http://arxiv.org/api/c2VhcmNo</id>
  <updated>2021-02-01T00:00:00-05:00</updated>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"
    >{len(papers)}</opensearch:totalResults>
  <opensearch:startIndex xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"
    >0</opensearch:startIndex>
{entries}</feed>
""".encode()


ARXIV_ERROR = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="html">ArXiv Query: id_list=bad</title>
  <id>http://arxiv.org/api/errors</id>
  <entry>
    <id>http://arxiv.org/api/errors#incorrect_id_format_for_bad</id>
    <title>Error</title>
    <summary>incorrect id format for bad</summary>
  </entry>
</feed>
"""


def arxiv_route(papers: Mapping[str, Paper]) -> Callable[[Request], Reply]:
    """The arXiv API: the entries of the ids asked for that it knows."""

    def answer(request: Request) -> Reply:
        ids = ",".join(request.query.get("id_list", [""])).split(",")
        found = [papers[key] for key in ids if key in papers]
        return 200, {"Content-Type": "application/atom+xml; charset=utf-8"}, atom_feed(found)

    return answer


def synthetic_papers(ids: list[str]) -> dict[str, Paper]:
    return {
        key: Paper(key, f"Paper {key}", [f"Author {key}"], "2020-01-02T00:00:00Z", "Abstract.")
        for key in ids
    }


CSL_ITEM = {
    "type": "article-journal",
    "DOI": "10.1234/example.5678",
    "title": "Concrete Problems in <i>Example</i> Safety",
    "author": [
        {"given": "Dario", "family": "Amodei", "sequence": "first"},
        {"given": "Chris", "family": "Olah", "sequence": "additional"},
        {"literal": "The Example Consortium"},
    ],
    "issued": {"date-parts": [[2016, 6]]},
    "container-title": "Journal of Examples",
    "abstract": "<jats:p>Rapid progress in examples.</jats:p>",
    "publisher": "Example Press",
}


def graphql_post(post_id: str, title: str) -> dict[str, object]:
    return {
        "_id": post_id,
        "title": title,
        "postedAt": "2022-06-10T20:36:15.617Z",
        "user": {"displayName": "Eliezer Example"},
        "coauthors": [{"displayName": "Co Author"}],
        "contents": {"plaintextDescription": "Preamble..."},
    }


def forum_route(posts: Mapping[str, dict[str, object]]) -> Callable[[Request], Reply]:
    """ForumMagnum's /graphql: each aliased ``post`` field answers its post, or null and
    an error for an unknown id, as the server does."""

    def answer(request: Request) -> Reply:
        sent = json.loads(request.body)
        variables = sent.get("variables", {})
        data: dict[str, object] = {}
        errors = []
        for name, post_id in variables.items():
            alias = "p" + name.removeprefix("id")
            if post_id in posts:
                data[alias] = {"result": posts[post_id]}
            else:
                data[alias] = None
                errors.append({"message": "app.missing_document", "path": [alias]})
        document: dict[str, object] = {"data": data}
        if errors:
            document["errors"] = errors
        return 200, {"Content-Type": "application/json"}, json.dumps(document).encode()

    return answer


def semanticscholar_route(papers: Mapping[str, dict[str, object]]) -> Callable[[Request], Reply]:
    """POST /paper/batch: a list in the order of the ids, null for an unknown one."""

    def answer(request: Request) -> Reply:
        ids = json.loads(request.body)["ids"]
        found = [papers.get(key) for key in ids]
        return 200, {"Content-Type": "application/json"}, json.dumps(found).encode()

    return answer


def endpoints_toml(base: str) -> str:
    """Every endpoint on the server, named ``localhost`` so that the APIs' per-host
    limits do not apply to pages served as 127.0.0.1."""
    base = base.replace("//127.0.0.1:", "//localhost:")
    return f"""[network]
allow_private_addresses = true

[endpoints]
arxiv = "{base}/arxiv/api/query"
doi = "{base}/doi"
lesswrong = "{base}/lw/graphql"
alignmentforum = "{base}/af/graphql"
eaforum = "{base}/ea/graphql"
semanticscholar = "{base}/s2/graph/v1"
"""


def start(routes: Mapping[str, Route] | None = None) -> Recorded:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    recorded = Recorded(server, dict(routes or {}))
    handler = type("Handler", (_Handler,), {"recorded": recorded})
    server.RequestHandlerClass = handler
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return recorded


def stop(recorded: Recorded) -> None:
    recorded.server.shutdown()
    recorded.server.server_close()


def serving(routes: Mapping[str, Route] | None = None) -> Iterator[Recorded]:
    recorded = start(routes)
    try:
        yield recorded
    finally:
        stop(recorded)


def html(body: str, *, charset: str = "utf-8") -> Reply:
    return 200, {"Content-Type": f"text/html; charset={charset}"}, body.encode(charset)


def write_config(root: Path, base: str) -> None:
    (root / "resreg.toml").write_text(endpoints_toml(base))
