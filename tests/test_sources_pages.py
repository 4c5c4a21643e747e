"""The fallbacks: main-text extraction (trafilatura, htmldate) for pages without tags,
and a PDF's document information and XMP (pypdf), on files made here."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfWriter
from pypdf.xmp import XmpInformation

import recorded
from conftest import MakeRegistry
from resource_registry import Options, validate
from resource_registry.cli import cli
from resource_registry.record.reader import Document, read_document
from resource_registry.sources.extraction import MainText
from resource_registry.sources.http import Answer
from resource_registry.sources.pdf import read_pdf

NO_TAGS = """<html><head><title>Why Gardens Matter - The Garden Blog</title></head>
<body><header><nav><a href="/">Home</a> <a href="/about">About</a></nav></header>
<main><article>
<h1>Why Gardens Matter</h1>
<div class="byline">By <span class="author">Jane Roe</span></div>
<time datetime="2021-03-03">March 3, 2021</time>
<p>Gardens matter for many reasons. They give food, shade and a place to rest. This is
a long paragraph of text that goes on for a while so that the extractor sees a main
text, with several sentences in it.</p>
<p>Another paragraph follows with more words about soil, water, seeds and the seasons
of the year, because real articles are long.</p>
</article></main><footer>Copyright 2024</footer></body></html>"""


def make_pdf(info: dict[str, str], xmp: dict[str, object] | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata(info)
    if xmp is not None:
        metadata = XmpInformation.create()
        for name, value in xmp.items():
            setattr(metadata, name, value)
        writer.xmp_metadata = metadata
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _cache_outside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESREG_CACHE_DIR", str(tmp_path / "http-cache"))


@pytest.fixture
def served() -> Iterator[recorded.Recorded]:
    yield from recorded.serving()


@pytest.fixture
def registry(make_registry: MakeRegistry, served: recorded.Recorded) -> Path:
    root = make_registry({})
    recorded.write_config(root, served.base)
    return root


def _new(root: Path, url: str, *args: str) -> tuple[int, str, dict[str, object] | None]:
    result = CliRunner().invoke(
        cli, ["new", url, *args, "--root", str(root)], catch_exceptions=False
    )
    if result.exit_code != 0:
        return result.exit_code, result.stderr, None
    parsed = read_document((root / result.stdout.strip()).read_bytes())
    assert isinstance(parsed, Document)
    report = validate(root, Options(cache=False))
    assert [item for item in report.findings if item.severity.value == "error"] == []
    return 0, result.stderr, parsed.data


def _answer(body: bytes, kind: str) -> Answer:
    url = "http://127.0.0.1/x"
    return Answer(url, url, 200, kind, None, body, (url,))


def test_main_text_gives_the_author_and_the_date() -> None:
    claims = {c.source: c.values for c in MainText().read(_answer(NO_TAGS.encode(), "text/html"))}
    assert claims["trafilatura"]["authors"] == ["Jane Roe"]
    assert claims["trafilatura"]["title"] == "Why Gardens Matter"
    assert claims["htmldate"]["published_date"] == "2021-03-03"


def test_new_falls_back_to_the_main_text_before_the_html_title(
    registry: Path, served: recorded.Recorded
) -> None:
    served.routes["/garden"] = recorded.html(NO_TAGS)
    status, err, record = _new(registry, f"{served.base}/garden")
    assert status == 0, err
    assert record is not None
    assert record["title"] == "Why Gardens Matter"
    assert record["authors"] == ["Jane Roe"]
    assert record["published_date"] == "2021-03-03"
    assert record["sources"] == {
        "title": "trafilatura",
        "published_date": "htmldate",
        "authors": "trafilatura",
    }


def test_a_pdf_gives_its_xmp_metadata_first(registry: Path, served: recorded.Recorded) -> None:
    pdf = make_pdf(
        {"/Title": "Microsoft Word - draft7.docx", "/CreationDate": "D:20200102030405Z"},
        {
            "dc_title": {"x-default": "A Report on Things"},
            "dc_creator": ["Ann One", "Bob Two"],
            "dc_date": [dt.datetime(2019, 5, 6)],
        },
    )
    served.routes["/report.pdf"] = (200, {"Content-Type": "application/pdf"}, pdf)
    status, err, record = _new(registry, f"{served.base}/report.pdf")
    assert status == 0, err
    assert record is not None
    assert record["title"] == "A Report on Things"
    assert record["authors"] == ["Ann One", "Bob Two"]
    assert record["published_date"] == "2019-05-06"
    assert set(record["sources"].values()) == {"pdf"}  # type: ignore[union-attr]  # reason: a mapping
    fetch = record["fetch"]
    assert isinstance(fetch, dict)
    assert fetch["content_type"] == "application/pdf"


def test_a_pdf_document_information_and_file_name_titles() -> None:
    pdf = make_pdf(
        {
            "/Title": "Info Title",
            "/Author": "C Three and D Four",
            "/CreationDate": "D:20210102030405Z",
        }
    )
    assert read_pdf(pdf).values == {
        "title": "Info Title",
        "authors": ["C Three", "D Four"],
        "published_date": "2021-01-02",
    }
    assert "title" not in read_pdf(make_pdf({"/Title": "Microsoft Word - x.docx"})).values


def test_a_pdf_without_a_title_needs_one_and_a_broken_pdf_is_a_finding(
    registry: Path, served: recorded.Recorded
) -> None:
    served.routes["/untitled.pdf"] = (
        200,
        {"Content-Type": "application/pdf"},
        make_pdf({"/Author": "Someone"}),
    )
    status, err, _ = _new(registry, f"{served.base}/untitled.pdf")
    assert status == 2
    assert "give one with --title" in err
    served.routes["/broken.pdf"] = (200, {"Content-Type": "application/pdf"}, b"%PDF-1.7\n\x00\xff")
    status, err, record = _new(registry, f"{served.base}/broken.pdf", "--title", "Broken")
    assert status == 0
    assert "M004" in err
    assert "pdf: could not read the page" in err
    assert record is not None
    assert record["title"] == "Broken"
