"""The identifier sources (arXiv, DOI content negotiation, the forums' GraphQL, Semantic
Scholar) and the client's politeness, against recorded answers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import recorded
from conftest import MakeRegistry
from resource_registry.base import config
from resource_registry.base.errors import UsageError
from resource_registry.cli import cli
from resource_registry.record.reader import Document, read_document
from resource_registry.sources.gather import Described, Settings, describe, host_policies
from resource_registry.sources.http import Client
from resource_registry.sources.httpcache import Cache
from resource_registry.sources.httpheaders import retry_after_seconds
from resource_registry.sources.identifiers import doi

TODAY = dt.date(2026, 1, 15)
ALL = frozenset({"title", "type", "published_date", "authors", "abstract"})
ATTENTION = recorded.Paper(
    "1706.03762",
    "Attention Is All\n   You Need",
    ["Ashish Vaswani", "Noam Shazeer"],
    "2017-06-12T17:57:34Z",
    "The dominant sequence transduction models\n  are based on recurrent networks.",
)


@pytest.fixture
def served() -> Iterator[recorded.Recorded]:
    yield from recorded.serving()


def _settings(served: recorded.Recorded, **overrides: object) -> Settings:
    endpoints = config.parse(recorded.endpoints_toml(served.base).encode()).endpoints
    values: dict[str, object] = {
        "endpoints": endpoints,
        "today": TODAY,
        "page": "never",
        "arxiv_interval": 0.0,
        "semanticscholar_interval": 0.0,
    }
    return Settings(**{**values, **overrides})  # type: ignore[arg-type]  # reason: test overrides


def _run(
    targets: dict[str, frozenset[str]],
    settings: Settings,
    cache: Path | None = None,
) -> tuple[dict[str, Described], Client]:
    client = Client(
        allow_private=True,
        cache=Cache(cache) if cache else None,
        policies=host_policies(settings),
    )

    async def go() -> dict[str, Described]:
        async with client:
            return await describe(targets, settings, client)

    return asyncio.run(go()), client


# --- arXiv ----------------------------------------------------------------------------


def test_arxiv_fills_paper_fields_from_the_atom_feed(served: recorded.Recorded) -> None:
    served.routes["/arxiv/api/query"] = recorded.arxiv_route({"1706.03762": ATTENTION})
    url = "https://arxiv.org/pdf/1706.03762v5"
    found, _ = _run({url: ALL}, _settings(served))
    item = found[url]
    assert item.values == {
        "title": "Attention Is All You Need",
        "type": "paper",
        "published_date": "2017-06-12",
        "authors": ["Ashish Vaswani", "Noam Shazeer"],
        "abstract": "The dominant sequence transduction models are based on recurrent networks.",
    }
    assert set(item.sources.values()) == {"arxiv"}
    [request] = served.asked("/arxiv/")
    assert request.query["id_list"] == ["1706.03762"]


def test_arxiv_is_asked_in_batches_of_100_at_the_configured_interval(
    served: recorded.Recorded,
) -> None:
    ids = [f"2101.{n:05d}" for n in range(230)]
    served.routes["/arxiv/api/query"] = recorded.arxiv_route(recorded.synthetic_papers(ids))
    targets = {f"https://arxiv.org/abs/{key}": frozenset({"title"}) for key in ids}
    found, client = _run(targets, _settings(served, arxiv_interval=0.5))
    asked = served.asked("/arxiv/")
    assert [len(r.query["id_list"][0].split(",")) for r in asked] == [100, 100, 30]
    assert all(item.values["title"] == f"Paper {url[-10:]}" for url, item in found.items())
    starts = [request.at for request in asked]
    # the server's clock: a loaded machine may receive one request late, never early by
    # more than that lateness, so the gaps keep most of the interval
    assert all(later - earlier >= 0.3 for earlier, later in itertools.pairwise(starts))
    assert sum(client.sent.values()) == 3


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ((200, {"Content-Type": "application/atom+xml"}, recorded.ARXIV_ERROR), "arXiv reported"),
        ((200, {"Content-Type": "text/plain"}, b"Rate exceeded."), "not an Atom feed"),
        ((503, {"Retry-After": "0"}, b"busy"), "HTTP 503"),
        (
            (200, {}, b'<?xml version="1.0"?><!DOCTYPE f [<!ENTITY a "aaaa">]><feed>&a;</feed>'),
            "declares a DTD",
        ),
        ((200, {}, b"<html><body>not a feed</body></html>"), "not an Atom feed"),
    ],
)
def test_an_arxiv_answer_that_is_not_a_feed_is_a_finding(
    served: recorded.Recorded, reply: recorded.Reply, reason: str
) -> None:
    served.routes["/arxiv/api/query"] = reply
    url = "https://arxiv.org/abs/1706.03762"
    found, _ = _run({url: ALL}, _settings(served, only=frozenset({"arxiv"})))
    assert found[url].values == {}
    [note] = found[url].notes
    assert note.code == "M004"
    assert reason in note.message


# --- DOI content negotiation ----------------------------------------------------------


def _doi_routes(served: recorded.Recorded) -> None:
    def resolver(request: recorded.Request) -> recorded.Reply:
        # the resolver sends a request for metadata on to the registration agency
        assert request.headers["accept"] == "application/vnd.citationstyles.csl+json"
        return 302, {"Location": "/agency/works/10.1234/example.5678/transform"}, b""

    def agency(request: recorded.Request) -> recorded.Reply:
        if request.headers.get("accept") != "application/vnd.citationstyles.csl+json":
            return 406, {}, b""
        body = json.dumps(recorded.CSL_ITEM).encode()
        return 200, {"Content-Type": "application/vnd.citationstyles.csl+json"}, body

    served.routes["/doi/10.1234/example.5678"] = resolver
    served.routes["/agency/works/10.1234/example.5678/transform"] = agency
    served.routes["/doi/10.1234/broken"] = (500, {}, b"oops")
    served.routes["/doi/10.1234/garbage"] = (200, {}, b"{[not json")


def test_doi_content_negotiation_gives_csl_json(served: recorded.Recorded) -> None:
    _doi_routes(served)
    url = "https://doi.org/10.1234/EXAMPLE.5678"
    found, _ = _run({url: ALL}, _settings(served))
    assert found[url].values == {
        "title": "Concrete Problems in Example Safety",
        "authors": ["Dario Amodei", "Chris Olah", "The Example Consortium"],
        "published_date": "2016-06",
        "abstract": "Rapid progress in examples.",
        "type": "paper",
    }
    assert found[url].sources["title"] == "doi"


def test_a_doi_in_a_publishers_url_is_found() -> None:
    assert doi("https://dl.acm.org/doi/abs/10.1145/3442188.3445922") == "10.1145/3442188.3445922"
    assert doi("https://link.springer.com/article/10.1007/s11023-020-09539-2") == (
        "10.1007/s11023-020-09539-2"
    )
    assert doi("https://example.org/doi/nothing") is None


def test_unknown_broken_and_garbage_dois(served: recorded.Recorded) -> None:
    _doi_routes(served)
    urls = {
        "https://doi.org/10.1234/unknown": [],
        "https://doi.org/10.1234/broken": ["HTTP 500"],
        "https://doi.org/10.1234/garbage": ["not JSON"],
    }
    found, _ = _run(dict.fromkeys(urls, ALL), _settings(served, only=frozenset({"doi"})))
    for url, reasons in urls.items():
        assert found[url].values == {}
        messages = [note.message for note in found[url].notes]
        assert len(messages) == len(reasons)
        assert all(reason in message for reason, message in zip(reasons, messages, strict=True))


# --- the forums -----------------------------------------------------------------------


def test_forum_posts_are_asked_together_and_are_blogs(served: recorded.Recorded) -> None:
    posts = {
        "uMQ3cqWDPHhjtiesc": recorded.graphql_post("uMQ3cqWDPHhjtiesc", "AGI Ruin"),
        "AAAAAAAAAAAAAAAAA": recorded.graphql_post("AAAAAAAAAAAAAAAAA", "Second"),
    }
    served.routes["/lw/graphql"] = recorded.forum_route(posts)
    base = "https://www.lesswrong.com/posts"
    urls = [
        f"{base}/uMQ3cqWDPHhjtiesc/agi-ruin",
        f"{base}/AAAAAAAAAAAAAAAAA",
        f"{base}/" + "B" * 17,
    ]
    found, _ = _run(dict.fromkeys(urls, ALL), _settings(served))
    assert found[urls[0]].values == {
        "type": "blog",
        "authors": ["Eliezer Example", "Co Author"],
        "title": "AGI Ruin",
        "published_date": "2022-06-10",
    }
    assert found[urls[0]].sources["title"] == "lesswrong"
    assert found[urls[1]].values["title"] == "Second"
    assert found[urls[2]].values == {}
    [request] = served.asked("/lw/")
    sent = json.loads(request.body)
    assert len(sent["variables"]) == 3
    assert "post(input: {selector: {_id: $id0}})" in sent["query"]


def test_a_forum_answering_garbage_is_a_finding(served: recorded.Recorded) -> None:
    served.routes["/ea/graphql"] = (200, {"Content-Type": "application/json"}, b'{"data": 5}')
    url = "https://forum.effectivealtruism.org/posts/AAAAAAAAAAAAAAAAA/x"
    found, _ = _run({url: ALL}, _settings(served))
    assert [note.code for note in found[url].notes] == ["M004"]
    assert "eaforum" in found[url].notes[0].message


# --- Semantic Scholar -----------------------------------------------------------------


S2_PAPER = {
    "paperId": "649def34f8be52c8b66281af98ae884c09aef38b",
    "title": "Construction of the Literature Graph",
    "authors": [{"authorId": "1", "name": "Waleed Ammar"}],
    "year": 2018,
    "publicationDate": None,
    "abstract": "We describe a deployed scalable system.",
    "publicationTypes": ["JournalArticle"],
    "externalIds": {"DOI": "10.18653/v1/N18-3011"},
}


def test_semantic_scholar_fills_what_the_others_left_and_sends_the_key(
    served: recorded.Recorded,
) -> None:
    served.routes["/s2/graph/v1/paper/batch"] = recorded.semanticscholar_route(
        {"DOI:10.18653/v1/n18-3011": S2_PAPER}
    )
    url = "https://doi.org/10.18653/v1/N18-3011"  # the DOI resolver does not know it
    found, _ = _run({url: ALL}, _settings(served, semanticscholar_key="secret-key"))
    assert found[url].values == {
        "title": "Construction of the Literature Graph",
        "authors": ["Waleed Ammar"],
        "published_date": "2018",
        "abstract": "We describe a deployed scalable system.",
        "type": "paper",
    }
    assert found[url].sources["title"] == "semanticscholar"
    [request] = served.asked("/s2/")
    assert request.headers["x-api-key"] == "secret-key"
    assert json.loads(request.body) == {"ids": ["DOI:10.18653/v1/n18-3011"]}
    assert "title" in request.query["fields"][0]


def test_semantic_scholar_is_not_asked_for_what_arxiv_gave(served: recorded.Recorded) -> None:
    served.routes["/arxiv/api/query"] = recorded.arxiv_route({"1706.03762": ATTENTION})
    _run({"https://arxiv.org/abs/1706.03762": ALL}, _settings(served))
    assert served.asked("/s2/") == []


def test_a_semantic_scholar_list_of_the_wrong_length_is_a_finding(
    served: recorded.Recorded,
) -> None:
    served.routes["/s2/graph/v1/paper/batch"] = (200, {}, b"[null, null]")
    url = "https://www.semanticscholar.org/paper/" + "a" * 40
    found, _ = _run({url: ALL}, _settings(served))
    assert [note.code for note in found[url].notes] == ["M004"]


# --- politeness and the cache ---------------------------------------------------------


def test_retry_after_is_honoured(served: recorded.Recorded) -> None:
    calls: list[int] = []

    def limited(request: recorded.Request) -> recorded.Reply:
        calls.append(1)
        if len(calls) == 1:
            return 429, {"Retry-After": "1"}, b""
        return 200, {"Content-Type": "application/atom+xml"}, recorded.atom_feed([ATTENTION])

    served.routes["/arxiv/api/query"] = limited
    url = "https://arxiv.org/abs/1706.03762"
    found, client = _run({url: ALL}, _settings(served))
    assert found[url].values["title"] == "Attention Is All You Need"
    asked = served.asked("/arxiv/")
    assert len(asked) == 2
    assert asked[1].at - asked[0].at >= 0.9
    assert sum(client.sent.values()) == 2


@pytest.mark.parametrize(
    ("header", "expected"),
    [("7", 7.0), ("-3", 0.0), ("1e9", 120.0), ("nan", 2.0), ("soon", 2.0), (None, 2.0)],
)
def test_retry_after_values(header: str | None, expected: float) -> None:
    assert retry_after_seconds(header, 1) == expected


def test_a_rerun_asks_nothing_twice(served: recorded.Recorded, tmp_path: Path) -> None:
    served.routes["/arxiv/api/query"] = recorded.arxiv_route({"1706.03762": ATTENTION})
    _doi_routes(served)
    targets = {
        "https://arxiv.org/abs/1706.03762": ALL,
        "https://doi.org/10.1234/example.5678": ALL,
        "https://arxiv.org/abs/2999.00001": ALL,  # unknown: remembered as such
    }
    first, _ = _run(targets, _settings(served), cache=tmp_path / "cache")
    asked = len(served.log)
    assert asked > 0
    second, client = _run(targets, _settings(served), cache=tmp_path / "cache")
    assert len(served.log) == asked
    assert sum(client.sent.values()) == 0
    assert {url: item.values for url, item in first.items()} == {
        url: item.values for url, item in second.items()
    }


def test_a_corrupt_cache_entry_is_a_miss(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    cache.put("ab" * 32, {"status": 200}, b"body")
    [path] = tmp_path.rglob("*.cache")
    path.write_bytes(b"\xff\xfe not json\nbody")
    assert cache.get("ab" * 32) is None


# --- configuration --------------------------------------------------------------------


def test_endpoints_default_to_the_public_services() -> None:
    endpoints = config.parse(b"").endpoints
    assert endpoints.arxiv == "https://export.arxiv.org/api/query"
    assert endpoints.doi == "https://doi.org"
    assert endpoints.semanticscholar == "https://api.semanticscholar.org/graph/v1"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b'[endpoints]\narxvi = "https://x"\n', "unknown key `arxvi` in [endpoints]"),
        (b'[endpoints]\ndoi = "file:///etc"\n', "[endpoints] doi must be an http(s) URL"),
        (b"[endpoints]\ndoi = 5\n", "[endpoints] doi must be a string"),
    ],
)
def test_bad_endpoints_are_usage_errors(text: bytes, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        config.parse(text)


def test_new_fills_an_arxiv_paper_from_the_api(
    served: recorded.Recorded, make_registry: MakeRegistry, tmp_path: Path
) -> None:
    served.routes["/arxiv/api/query"] = recorded.arxiv_route({"1706.03762": ATTENTION})
    root = make_registry({})
    recorded.write_config(root, served.base)
    publications = root / "data/publications.yaml"
    publications.write_text(
        publications.read_text() + "- id: arxiv\n  name: arXiv\n  type: preprint_server\n"
        "  domains: [arxiv.org]\n"
    )
    result = CliRunner(env={"RESREG_CACHE_DIR": str(tmp_path / "cache")}).invoke(
        cli,
        ["new", "https://arxiv.org/abs/1706.03762", "--root", str(root)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    parsed = read_document((root / result.stdout.strip()).read_bytes())
    assert isinstance(parsed, Document)
    record = parsed.data
    assert record["title"] == "Attention Is All You Need"
    assert record["publication"] == "arxiv"
    assert record["sources"] == {
        "title": "arxiv",
        "type": "arxiv",
        "publication": "domains",
        "published_date": "arxiv",
        "authors": "arxiv",
        "abstract": "arxiv",
    }
    assert "resreg: filled authors from arxiv" in result.stderr
    # the page itself is on arxiv.org, which tests never reach: a finding, not a failure
    assert "M004" in result.stderr


def test_pages_of_one_host_are_asked_at_most_two_at_a_time(served: recorded.Recorded) -> None:
    served.latency = 0.2
    for index in range(8):
        served.routes[f"/page{index}"] = recorded.html(f"<title>Page {index}</title>")
    targets = {f"{served.base}/page{index}": frozenset({"title"}) for index in range(8)}
    found, _ = _run(targets, _settings(served, page="when-needed"))
    assert {item.values["title"] for item in found.values()} == {f"Page {i}" for i in range(8)}
    assert served.peak == 2


def test_a_gzip_body_is_decompressed_within_the_cap(served: recorded.Recorded) -> None:
    body = gzip.compress(b"<html><head><title>Zipped</title></head></html>")
    served.routes["/zipped"] = (
        200,
        {"Content-Type": "text/html", "Content-Encoding": "gzip"},
        body,
    )
    served.routes["/bomb"] = (
        200,
        {"Content-Type": "text/html", "Content-Encoding": "gzip"},
        gzip.compress(b"\0" * (11 * 1024 * 1024)),
    )
    targets = {f"{served.base}/zipped": ALL, f"{served.base}/bomb": ALL}
    found, _ = _run(targets, _settings(served, page="when-needed"))
    assert found[f"{served.base}/zipped"].values["title"] == "Zipped"
    [note] = found[f"{served.base}/bomb"].notes
    assert "could not be decompressed within the cap" in note.message
