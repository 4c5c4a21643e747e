"""`resreg new URL` filling fields from the page's own tags, against pages served on
127.0.0.1; the page-tag adapter; the bad input every source may send."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import recorded
from conftest import MakeRegistry
from resource_registry import Options, validate
from resource_registry.cli import cli
from resource_registry.record.reader import Document, read_document
from resource_registry.sources.base import Claims
from resource_registry.sources.clean import MAX_AUTHORS, OTHERS, clean, partial_date, text
from resource_registry.sources.gather import Described, publication_for, take
from resource_registry.sources.http import Answer
from resource_registry.sources.pagetags import read_tags, without_site_name

TODAY = dt.date(2026, 1, 15)

ARTICLE = """<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Measuring Things Carefully | Example Journal</title>
<meta name="citation_title" content="Measuring Things Carefully">
<meta name="citation_author" content="Grace Hopper">
<meta name="citation_author" content="Edsger W. Dijkstra">
<meta name="citation_publication_date" content="2019/07/02">
<meta name="citation_journal_title" content="Example Journal">
<meta name="citation_abstract" content="We measure &lt;i&gt;things&lt;/i&gt;, carefully.">
<meta name="DC.title" content="Measuring things carefully">
<meta property="og:title" content="Measuring Things Carefully">
<meta property="og:type" content="article">
<script type="application/ld+json">
{"@context": "https://schema.org", "@graph": [
  {"@type": "WebSite", "name": "Example Journal"},
  {"@type": "ScholarlyArticle", "headline": "Measuring Things Carefully",
   "author": [{"@type": "Person", "name": "Grace Hopper"}], "datePublished": "2019-07-02"}]}
</script>
</head><body><nav><a href="/">Home</a></nav><article><h1>Measuring Things Carefully</h1>
<p>Body text.</p></article></body></html>"""

BLOG = """<html><head><title>On gardens</title>
<meta property="og:title" content="On gardens &amp;amp; walls">
<meta property="article:published_time" content="2023-04-05T10:00:00+02:00">
<meta property="article:author" content="https://example.org/people/ann">
<meta name="author" content="Ann Example">
<script type="application/ld+json">{"@type": "BlogPosting", "headline": "On gardens &amp; walls",
 "author": "Ann Example", "datePublished": "2023-04-05"}</script>
</head><body><p>Text</p></body></html>"""


@pytest.fixture(autouse=True)
def _cache_outside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESREG_CACHE_DIR", str(tmp_path / "http-cache"))
    monkeypatch.delenv("SEMANTIC_SCHOLAR_API_KEY", raising=False)


@pytest.fixture
def served() -> Iterator[recorded.Recorded]:
    yield from recorded.serving()


@pytest.fixture
def registry(make_registry: MakeRegistry, served: recorded.Recorded) -> Path:
    root = make_registry({})
    recorded.write_config(root, served.base)
    publications = root / "data/publications.yaml"
    publications.write_text(
        publications.read_text()
        + "- id: loopback-journal\n  name: Loopback Journal\n  type: academic_journal\n"
        + "  domains: [127.0.0.1/journal]\n"
    )
    return root


def _page(body: bytes, kind: str | None = "text/html", charset: str | None = "utf-8") -> Answer:
    url = "http://127.0.0.1/page"
    return Answer(url, url, 200, kind, charset, body, (url,))


def _new(root: Path, *args: str) -> tuple[int, str, str, dict[str, object] | None]:
    result = CliRunner().invoke(cli, ["new", *args, "--root", str(root)], catch_exceptions=False)
    written = result.stdout.strip()
    record = None
    if result.exit_code == 0:
        parsed = read_document((root / written).read_bytes())
        assert isinstance(parsed, Document)
        record = parsed.data
    return result.exit_code, result.stdout, result.stderr, record


def _valid(root: Path) -> None:
    report = validate(root, Options(cache=False))
    errors = [item for item in report.findings if item.severity.value == "error"]
    assert errors == []


# --- the page-tag adapter -------------------------------------------------------------


def test_each_vocabulary_of_tags_is_its_own_source_in_order_of_trust() -> None:
    claims = read_tags(_page(ARTICLE.encode()))
    assert [claim.source for claim in claims] == [
        "highwire",
        "json-ld",
        "dublin-core",
        "opengraph",
        "html-meta",
    ]
    highwire = claims[0].values
    assert highwire["title"] == "Measuring Things Carefully"
    assert highwire["authors"] == ["Grace Hopper", "Edsger W. Dijkstra"]
    assert highwire["published_date"] == "2019/07/02"
    assert highwire["type"] == "paper"
    assert claims[1].values["type"] == "paper"  # ScholarlyArticle, not the WebSite node


def test_opengraph_author_urls_are_not_names_and_json_ld_types_map() -> None:
    claims = {claim.source: claim.values for claim in read_tags(_page(BLOG.encode()))}
    assert "authors" not in claims["opengraph"]
    assert claims["html-meta"]["authors"] == ["Ann Example"]
    assert claims["json-ld"]["type"] == "blog"
    assert claims["opengraph"]["published_date"] == "2023-04-05T10:00:00+02:00"


def test_a_pdf_or_an_image_has_no_tags() -> None:
    assert read_tags(_page(b"%PDF-1.4 ...", "application/pdf")) == []
    assert read_tags(_page(b"\x89PNG", "image/png")) == []


# --- clean values ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2019/07/02", "2019-07-02"),
        ("2023-04-05T10:00:00+02:00", "2023-04-05"),
        ("2018", "2018"),
        ("2018-05", "2018-05"),
        ("July 2, 2019", "2019-07-02"),
        ("2 July 2019", "2019-07-02"),
        ("March 2020", "2020-03"),
        ("Tue, 02 Jul 2019 10:00:00 GMT", "2019-07-02"),
        ("2019-02-30", None),
        ("yesterday", None),
    ],
)
def test_dates_keep_their_precision(raw: str, expected: str | None) -> None:
    assert partial_date(raw) == expected


def test_text_is_unescaped_stripped_of_markup_and_of_refused_characters() -> None:
    assert text("AT&amp;amp;T \u202eevil\u200b  <b>bold</b>\n title") == "AT&T evil bold title"
    assert text("We study <i>things</i>.") == "We study things."
    assert text("   ") is None
    assert text(42) is None


# --- new URL --------------------------------------------------------------------------


def test_new_fills_what_the_page_states_with_provenance(
    registry: Path, served: recorded.Recorded
) -> None:
    served.routes["/journal/article"] = recorded.html(ARTICLE)
    status, _, err, record = _new(registry, f"{served.base}/journal/article")
    assert status == 0, err
    assert record is not None
    assert record["title"] == "Measuring Things Carefully"
    assert record["type"] == "paper"
    assert record["published_date"] == "2019-07-02"
    assert record["authors"] == ["Grace Hopper", "Edsger W. Dijkstra"]
    assert record["abstract"] == "We measure things, carefully."
    assert record["publication"] == "loopback-journal"
    assert record["sources"] == {
        "title": "highwire",
        "type": "highwire",
        "publication": "domains",
        "published_date": "highwire",
        "authors": "highwire",
        "abstract": "highwire",
    }
    fetch = record["fetch"]
    assert isinstance(fetch, dict)
    assert fetch["status"] == 200
    assert fetch["verdict"] == "ok"
    assert fetch["content_type"] == "text/html"
    assert "resreg: filled title from highwire" in err
    assert "resreg: filled publication from domains" in err
    _valid(registry)


def test_values_given_on_the_command_line_win(registry: Path, served: recorded.Recorded) -> None:
    served.routes["/journal/article"] = recorded.html(ARTICLE)
    status, _, err, record = _new(
        registry, f"{served.base}/journal/article", "--title", "My Title", "--type", "report"
    )
    assert status == 0, err
    assert record is not None
    assert (record["title"], record["type"]) == ("My Title", "report")
    sources = record["sources"]
    assert isinstance(sources, dict)
    assert "title" not in sources
    assert "type" not in sources
    assert sources["authors"] == "highwire"


def test_offline_asks_nothing_and_needs_a_title(registry: Path, served: recorded.Recorded) -> None:
    result = CliRunner().invoke(
        cli, ["new", f"{served.base}/x", "--offline", "--root", str(registry)]
    )
    assert result.exit_code == 2
    assert "--offline needs --title" in result.output
    status, _, _, record = _new(registry, f"{served.base}/x", "--offline", "--title", "T")
    assert status == 0
    assert record is not None
    assert "sources" not in record
    assert "fetch" not in record
    assert served.log == []


def test_no_title_from_the_source_and_none_given_is_a_usage_error(
    registry: Path, served: recorded.Recorded
) -> None:
    served.routes["/blank"] = recorded.html("<html><body><p>no title here</p></body></html>")
    result = CliRunner().invoke(cli, ["new", f"{served.base}/blank", "--root", str(registry)])
    assert result.exit_code == 2
    assert "the source gave no title; give one with --title" in result.stderr
    assert list((registry / "data/resources").rglob("*.yaml")) == []


def test_an_unreachable_page_is_a_finding_and_the_typed_values_are_written(
    registry: Path, served: recorded.Recorded
) -> None:
    status, _, err, record = _new(registry, f"{served.base}/missing", "--title", "Typed")
    assert status == 0
    assert "M004" in err
    assert "the page answered HTTP 404" in err
    assert record is not None
    assert record["title"] == "Typed"
    fetch = record["fetch"]
    assert isinstance(fetch, dict)
    assert fetch["verdict"] == "dead"


def test_a_url_already_recorded_is_refused_before_anything_is_fetched(
    registry: Path, served: recorded.Recorded
) -> None:
    served.routes["/journal/article"] = recorded.html(ARTICLE)
    assert _new(registry, f"{served.base}/journal/article")[0] == 0
    asked = len(served.log)
    status, _, err, _ = _new(registry, f"{served.base}/journal/article/")
    assert status == 1
    assert "already in the registry" in err
    assert len(served.log) == asked


# --- bad input: findings, never a crash, never an invalid file ------------------------

_FUTURE = "2999-01-01"
BAD_PAGES = {
    "garbage": (200, {"Content-Type": "text/html"}, b"\x00\xff<<<>>>\x9f" * 500),
    "conflicting": recorded.html(
        '<html><head><meta name="citation_title" content="The Real Title">'
        '<meta name="citation_publication_date" content="2001-01-01">'
        '<meta property="og:title" content="A Completely Different Headline">'
        '<meta property="article:published_time" content="2005-05-05">'
        "</head></html>"
    ),
    "long-title": recorded.html(
        f'<html><head><meta name="citation_title" content="{"word " * 1000}">'
        "<title>Short fallback</title></head></html>"
    ),
    "dates": recorded.html(
        f'<html><head><title>Dated</title><meta name="citation_date" content="{_FUTURE}">'
        '<meta name="DC.date" content="1850-01-01">'
        '<meta property="article:published_time" content="2010-10-10"></head></html>'
    ),
    "authors": recorded.html(
        "<html><head><title>Big collaboration</title>"
        + "".join(f'<meta name="citation_author" content="Author {i}">' for i in range(1000))
        + "</head></html>"
    ),
    "latin1": (
        200,
        {"Content-Type": "text/html; charset=iso-8859-1"},
        "<html><head><title>Caf\xe9 na\xefve r\xe9sum\xe9</title></head></html>".encode("latin-1"),
    ),
    "cp1252-undeclared": (
        200,
        {"Content-Type": "text/html"},
        "<html><head><title>\u201cQuoted\u201d na\u00efve\u2026</title></head></html>".encode(
            "cp1252"
        ),
    ),
    "bad-charset": (
        200,
        {"Content-Type": "text/html; charset=no-such-codec"},
        b"<html><head><title>Plain title</title></head></html>",
    ),
    "json-ld-garbage": recorded.html(
        '<html><head><title>T</title><script type="application/ld+json">{"@type": '
        '["Article"], "headline": {"x": 1}, "author": 7, "datePublished": [1, 2]}</script>'
        '<script type="application/ld+json">{not json</script></head></html>'
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_PAGES))
def test_bad_pages_give_findings_and_valid_files(
    name: str, registry: Path, served: recorded.Recorded
) -> None:
    served.routes[f"/bad/{name}"] = BAD_PAGES[name]
    result = CliRunner().invoke(
        cli, ["new", f"{served.base}/bad/{name}", "--root", str(registry)], catch_exceptions=False
    )
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:  # no usable title: nothing written, and the command says why
        assert "give one with --title" in result.stderr
        assert list((registry / "data/resources").rglob("*.yaml")) == []
    else:
        _valid(registry)


def test_conflicting_tags_keep_the_most_trusted_and_say_so(
    registry: Path, served: recorded.Recorded
) -> None:
    served.routes["/bad/conflicting"] = BAD_PAGES["conflicting"]
    status, _, err, record = _new(registry, f"{served.base}/bad/conflicting")
    assert status == 0
    assert record is not None
    assert record["title"] == "The Real Title"
    assert record["published_date"] == "2001-01-01"
    assert err.count("M007") == 2
    assert "opengraph says 'A Completely Different Headline'" in err


def test_a_five_thousand_character_title_is_not_used(
    registry: Path, served: recorded.Recorded
) -> None:
    served.routes["/bad/long-title"] = BAD_PAGES["long-title"]
    status, _, err, record = _new(registry, f"{served.base}/bad/long-title")
    assert status == 0
    assert record is not None
    assert record["title"] == "Short fallback"
    assert "M005" in err
    assert "a title of 4,999 characters (at most 500)" in err


def test_dates_in_the_future_or_before_1900_are_not_used(
    registry: Path, served: recorded.Recorded
) -> None:
    served.routes["/bad/dates"] = BAD_PAGES["dates"]
    status, _, err, record = _new(registry, f"{served.base}/bad/dates")
    assert status == 0
    assert record is not None
    assert record["published_date"] == "2010-10-10"
    assert "a date in the future (2999-01-01)" in err
    assert "a date before 1900 (1850-01-01)" in err


def test_a_thousand_authors_keep_the_first_fifty_and_others(
    registry: Path, served: recorded.Recorded
) -> None:
    served.routes["/bad/authors"] = BAD_PAGES["authors"]
    status, _, err, record = _new(registry, f"{served.base}/bad/authors")
    assert status == 0
    assert record is not None
    authors = record["authors"]
    assert isinstance(authors, list)
    assert len(authors) == MAX_AUTHORS + 1
    assert authors[0] == "Author 0"
    assert authors[-1] == OTHERS
    assert "M006" in err
    assert "the first 50 of 1,000 authors kept, then `others`" in err


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("latin1", "Caf\xe9 na\xefve r\xe9sum\xe9"),
        ("cp1252-undeclared", "\u201cQuoted\u201d na\u00efve\u2026"),
        ("bad-charset", "Plain title"),
    ],
)
def test_pages_that_are_not_utf8_are_decoded(
    name: str, title: str, registry: Path, served: recorded.Recorded
) -> None:
    served.routes[f"/bad/{name}"] = BAD_PAGES[name]
    status, _, err, record = _new(registry, f"{served.base}/bad/{name}")
    assert status == 0, err
    assert record is not None
    assert record["title"] == title


def test_a_redirect_chain_to_another_host_is_followed_and_reported(
    registry: Path, served: recorded.Recorded
) -> None:
    port = served.server.server_address[1]
    served.routes["/hop1"] = (301, {"Location": "/hop2"}, b"")
    served.routes["/hop2"] = (302, {"Location": f"http://localhost:{port}/landing"}, b"")
    served.routes["/landing"] = recorded.html(BLOG)
    status, _, err, record = _new(registry, f"{served.base}/hop1")
    assert status == 0, err
    assert record is not None
    assert "M008" in err
    assert "the page redirected to another host (localhost)" in err
    fetch = record["fetch"]
    assert isinstance(fetch, dict)
    assert fetch["final_url"] == f"http://localhost:{port}/landing"
    assert fetch["verdict"] == "redirected"
    _valid(registry)


def test_a_redirect_loop_is_a_finding(registry: Path, served: recorded.Recorded) -> None:
    served.routes["/loop"] = (302, {"Location": "/loop"}, b"")
    status, _, err, _ = _new(registry, f"{served.base}/loop", "--title", "Loop")
    assert status == 0
    assert "redirect loop" in err


def test_private_addresses_are_refused_unless_allowed(
    registry: Path, served: recorded.Recorded
) -> None:
    (registry / "resreg.toml").write_text("")
    status, _, err, record = _new(registry, f"{served.base}/x", "--title", "T")
    assert status == 0
    assert "refused" in err
    assert served.log == []
    assert record is not None
    assert "fetch" not in record


def test_garbage_values_of_any_type_are_dropped_with_a_reason() -> None:
    item = Described("http://x/", frozenset({"title", "authors", "published_date", "type"}))
    take(
        item,
        Claims("json-ld", {"title": ["a"], "authors": 5, "published_date": {}, "type": "poem"}),
        TODAY,
    )
    assert item.values == {}
    assert {note.code for note in item.notes} == {"M005"}
    assert clean("authors", [None, "  ", "A", "a", "B"], TODAY).value == ["A", "B"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.anthropic.com/news/x", "anthropic"),
        ("https://blog.anthropic.com/x", "anthropic"),
        ("https://notanthropic.com/x", None),
        ("https://127.0.0.1/journal/a", "journal"),
        ("https://127.0.0.1/journalism", None),
    ],
)
def test_publication_by_domain_and_path_prefix(url: str, expected: str | None) -> None:
    publications = [("anthropic", ["anthropic.com"]), ("journal", ["127.0.0.1/journal"])]
    assert publication_for(url, publications) == expected


def test_sources_is_part_of_the_schema() -> None:
    schema = json.loads((Path(__file__).parent.parent / "schemas/resource.schema.json").read_text())
    assert "sources" in schema["properties"]


@pytest.mark.parametrize(
    ("title", "sites", "expected"),
    [
        ("Enterprise 2.0 | HR Innovation", ["HR Innovation"], "Enterprise 2.0"),
        ("Bondy Blog - A Paris-8, un peu", ["bondyblog"], "A Paris-8, un peu"),
        (
            "Tote Hummeln unter Linden: Die Erklärung",
            ["example"],
            "Tote Hummeln unter Linden: Die Erklärung",
        ),
        ("Plain title", ["Plain"], "Plain title"),
    ],
)
def test_the_site_name_leaves_a_title(title: str, sites: list[str], expected: str) -> None:
    assert without_site_name(title, sites) == expected


def test_page_titles_lose_the_site_name_but_highwire_keeps_its_own() -> None:
    page = (
        '<html><head><meta property="og:site_name" content="Example Journal">'
        '<meta property="og:title" content="Measuring Things | Example Journal">'
        '<meta name="citation_title" content="Measuring Things | Example Journal">'
        "</head></html>"
    )
    claims = {claim.source: claim.values for claim in read_tags(_page(page.encode()))}
    assert claims["opengraph"]["title"] == "Measuring Things"
    assert claims["highwire"]["title"] == "Measuring Things | Example Journal"
