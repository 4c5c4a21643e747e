"""What the site's pages tell citation managers and search engines: Highwire meta tags,
schema.org JSON-LD, the Cite block, the CSL-JSON beside each page and the index's
Dataset."""

from __future__ import annotations

import dataclasses
import json
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema

from conftest import FIXTURES, BuiltSite
from resource_registry.cite import biblatex
from resource_registry.release import dataset
from resource_registry.release import site as website

CSL_SCHEMA = json.loads((FIXTURES / "csl-schema/csl-data.json").read_text(encoding="utf-8"))
SCHEMA_ORG = {
    "paper": {"ScholarlyArticle"},
    "blog": {"BlogPosting"},
    "report": {"Report"},
    "government": {"Report", "Legislation"},
    "book": {"Book"},
    "talk": {"CreativeWork"},
    "podcast": {"PodcastEpisode"},
    "reference": {"WebPage"},
    "web": {"WebPage"},
}


class _Head(HTMLParser):
    """The meta tags, the JSON-LD scripts' text and the Cite block's code of a page."""

    def __init__(self, path: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: list[tuple[str, str]] = []
        self.json_ld: list[str] = []
        self.code: list[str] = []
        self._in: str | None = None
        self.feed(path.read_text(encoding="utf-8"))
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "meta" and str(found.get("name", "")).startswith("citation_"):
            self.meta.append((str(found["name"]), str(found["content"])))
        if tag == "script" and found.get("type") == "application/ld+json":
            self._in = "script"
            self.json_ld.append("")
        if tag == "code":
            self._in = "code"
            self.code.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "code"):
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "script":
            self.json_ld[-1] += data
        elif self._in == "code":
            self.code[-1] += data


def _publications(data: dataset.Dataset) -> dict[str, dict[str, Any]]:
    return {p["id"]: p for p in data.publications}


def test_every_resource_page_carries_meta_tags_json_ld_and_a_cite_block(
    built_site: BuiltSite,
) -> None:
    data = dataset.load_all(built_site.dataset)
    for record in data.resources:
        head = _Head(built_site.site / "r" / f"{record['stable_id']}.html")
        tags = dict(head.meta)
        assert tags["citation_title"] == record["title"]
        assert [v for k, v in head.meta if k == "citation_author"] == record.get("authors", [])
        assert (tags.get("citation_fulltext_html_url") or tags.get("citation_pdf_url")) == record[
            "url"
        ]
        if "published_date" in record:
            assert tags["citation_publication_date"] == record["published_date"].replace("-", "/")
        (described,) = [json.loads(text) for text in head.json_ld]
        assert described["@context"] == "https://schema.org"
        assert described["@type"] in SCHEMA_ORG[record["type"]]
        assert described["name"] == record["title"]
        assert described["identifier"] == record["stable_id"]
        entry = biblatex.entry(record, _publications(data))
        assert entry in head.code
        item = json.loads((built_site.site / "r" / f"{record['stable_id']}.csl.json").read_text())
        assert list(jsonschema.Draft7Validator(CSL_SCHEMA).iter_errors(item)) == []
        assert item[0]["id"] == record["stable_id"]
        assert (
            f'href="{record["stable_id"]}.csl.json"'
            in (built_site.site / "r" / f"{record['stable_id']}.html").read_text()
        )


def test_a_paper_in_a_journal_is_a_journal_article_to_zotero(built_site: BuiltSite) -> None:
    data = dataset.load_all(built_site.dataset)
    journals = {p["id"] for p in data.publications if p["type"] == "academic_journal"}
    paper = next(
        r for r in data.resources if r["type"] == "paper" and r.get("publication") in journals
    )
    head = _Head(built_site.site / "r" / f"{paper['stable_id']}.html")
    assert (
        dict(head.meta)["citation_journal_title"]
        == _publications(data)[paper["publication"]]["name"]
    )


def test_hostile_values_stay_data_in_meta_tags_and_json_ld(
    built_site: BuiltSite, tmp_path: Path
) -> None:
    data = dataset.load_all(built_site.dataset)
    title = 'Evil </script><script>alert(1)</script> <!-- "quoted" & \u2028 done'
    first, *rest = data.resources
    hostile = dict(
        first, title=title, authors=['"><script>alert(2)</script>'], url="javascript:alert(3)"
    )
    site = website.build_site(
        dataclasses.replace(data, resources=[hostile, *rest]), tmp_path / "s", jobs=1
    ).out
    text = (site / "r" / f"{first['stable_id']}.html").read_text(encoding="utf-8")
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
    assert script is not None
    assert "<" not in script.group(1)
    assert ">" not in script.group(1)
    assert json.loads(script.group(1))["name"] == " ".join(title.split())
    assert "url" not in json.loads(script.group(1))  # not a web address: not given as one
    assert text.count("<script") == 1  # only the JSON-LD: nothing the data holds became one
    head = _Head(site / "r" / f"{first['stable_id']}.html")
    assert dict(head.meta)["citation_title"] == " ".join(title.split())
    assert "citation_fulltext_html_url" not in dict(head.meta)
    assert unescape(head.code[0]).startswith("@")


def test_the_index_describes_the_dataset_with_its_downloads(built_site: BuiltSite) -> None:
    head = _Head(built_site.site / "index.html")
    (described,) = [json.loads(text) for text in head.json_ld]
    assert described["@type"] == "Dataset"
    paths = [d["contentUrl"] for d in described["distribution"]]
    assert paths == [
        "download/resources.csl.json",
        "download/resources.bib",
        "download/resources.ris",
    ]
    for path in paths:
        assert (built_site.site / path).stat().st_size > 0
    items = json.loads((built_site.site / paths[0]).read_text(encoding="utf-8"))
    data = dataset.load_all(built_site.dataset)
    assert [item["id"] for item in items] == [r["stable_id"] for r in data.resources]
    index = (built_site.site / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{path}"' in index for path in paths)


def test_pages_show_the_dates_from_git(built_site: BuiltSite, tmp_path: Path) -> None:
    data = dataset.load_all(built_site.dataset)
    first, second, *rest = data.resources
    dated = dict(first, created="2024-01-02T03:04:05Z", modified="2025-06-07T08:09:10Z")
    same = dict(second, created="2024-01-02T03:04:05Z", modified="2024-01-02T03:04:05Z")
    site = website.build_site(
        dataclasses.replace(data, resources=[dated, same, *rest]), tmp_path / "s", jobs=1
    ).out
    text = (site / "r" / f"{first['stable_id']}.html").read_text(encoding="utf-8")
    since = '<dt>In the registry since</dt><dd><time datetime="2024-01-02T03:04:05Z">2024-01-02'
    changed = ', last changed <time datetime="2025-06-07T08:09:10Z">2025-06-07</time></dd>'
    assert since + "</time>" + changed in text
    text = (site / "r" / f"{second['stable_id']}.html").read_text(encoding="utf-8")
    assert "2024-01-02</time></dd>" in text
    assert "last changed" not in text
    undated = (site / "r" / f"{rest[0]['stable_id']}.html").read_text(encoding="utf-8")
    assert "In the registry since" not in undated
