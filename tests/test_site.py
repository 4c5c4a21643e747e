"""The static site, read as files: content, links, structure and the search index."""

from __future__ import annotations

import dataclasses
import filecmp
import json
import re
from collections import Counter
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import PROJECT_ROOT, BuiltSite
from resource_registry.cli import cli
from resource_registry.release import dataset, site_listings, site_safety, site_search
from resource_registry.release import site as website

EXAMPLE = "sid_d9EnmTcnin"
_INLINE = frozenset({"a", "code", "span", "time"})


class _Page(HTMLParser):
    """Tags, attributes and visible text of one page."""

    def __init__(self, path: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []
        self.feed(path.read_text(encoding="utf-8"))
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in _INLINE:
            self.texts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag not in _INLINE:
            self.texts.append(" ")

    def handle_data(self, data: str) -> None:
        self.texts.append(data)

    @property
    def text(self) -> str:
        """The text as a reader sees it: blocks apart, inline elements in their line."""
        return " ".join("".join(self.texts).split())

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]

    def links(self) -> list[str]:
        return [str(attrs["href"]) for attrs in self.all("a") if attrs.get("href")]


def test_the_example_resource_page_shows_every_field(built_site: BuiltSite) -> None:
    page = _Page(built_site.site / "r" / f"{EXAMPLE}.html")
    url = "https://merics.org/en/comment/chinas-social-credit-score-untangling-myth-reality"
    heading = page.text
    for shown in (
        "over 200 million AI-powered surveillance cameras",  # title
        "web",  # type
        "Cited for the scale of camera-based surveillance in China.",  # relevance
        "importance 28/100",
        "commentary",
        "organizational-report",  # labels
        "Mercator Institute for China Studies",
        "(credibility 4/5)",  # publication
        "Vincent Brussee",
        "2022-02-11",  # authors, date
        "A MERICS commentary that separates",  # summary
        "There is no single nationwide citizen score",  # key points
        "China",
        "Surveillance",  # tags, by name
        "Cited by 1 page",
        "Lock-in",
        "risk",
        "52/100",  # page title, type, quality
        "HTTP 200 (ok), checked 2026-04-07, 9.0 KB",  # fetch
        "Resource ID 3e03a6e800128f8c · Stable ID sid_d9EnmTcnin",
    ):
        assert shown in heading, shown
    title_link = page.tags[[n for n, _ in page.tags].index("h1") + 1]
    assert title_link == ("a", {"href": url, "rel": "noopener noreferrer"})
    assert "../tags/china.html" in page.links()
    assert "../publications/merics.html" in page.links()


def test_every_resource_has_a_page_and_an_alias(built_site: BuiltSite) -> None:
    records = dataset.load(built_site.dataset)
    for record in records:
        assert (built_site.site / "r" / f"{record['stable_id']}.html").is_file()
        alias = _Page(built_site.site / "id" / f"{record['id']}.html")
        target = f"../r/{record['stable_id']}.html"
        assert {"rel": "canonical", "href": target} in alias.all("link")
        assert target in alias.links()


def test_a_merged_id_leads_to_its_successor(built_site: BuiltSite) -> None:
    page = _Page(built_site.site / "r" / f"{built_site.merged}.html")
    assert "This resource was retired on 2026-01-15" in page.text
    assert f"{built_site.successor}.html" in page.links()
    stones = json.loads((built_site.dataset / "tombstones.json").read_text())
    merged_id = next(s["id"] for s in stones if s["stable_id"] == built_site.merged)
    alias = _Page(built_site.site / "id" / f"{merged_id}.html")
    assert f"../r/{built_site.merged}.html" in alias.links()


def test_a_withdrawn_id_says_so(built_site: BuiltSite) -> None:
    page = _Page(built_site.site / "r" / f"{built_site.withdrawn}.html")
    assert "The page was taken down." in page.text
    assert "It was withdrawn: no other resource replaces it." in page.text


def test_listings_link_every_resource_of_their_value(built_site: BuiltSite) -> None:
    records = dataset.load(built_site.dataset)
    tags = Counter(tag for record in records for tag in record.get("tags", ()))
    tag, count = tags.most_common(1)[0]
    tagged = {r["stable_id"] for r in records if tag in r.get("tags", ())}
    listed = {
        link.removeprefix("../r/").removesuffix(".html")
        for link in _Page(built_site.site / "tags" / f"{tag}.html").links()
        if link.startswith("../r/")
    }
    assert listed == tagged
    assert count >= 2
    for kind in ("types", "labels", "tags", "publications", "pages"):
        assert any((built_site.site / kind).glob("*.html")), kind


def test_listings_are_paginated(
    built_site: BuiltSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(site_listings, "LISTING_SIZE", 5)
    site = website.build_site(dataset.load_all(built_site.dataset), tmp_path / "s", jobs=1).out
    papers = sorted((site / "types").glob("paper*.html"))
    assert [p.name for p in papers][:3] == ["paper.html", "paper~2.html", "paper~3.html"]
    first = _Page(site / "types" / "paper.html")
    assert "paper~2.html" in first.links()
    assert len([link for link in first.links() if link.startswith("../r/")]) == 5


def test_every_page_has_landmarks_one_heading_and_labelled_controls(
    built_site: BuiltSite,
) -> None:
    pages = [p for p in built_site.site.rglob("*.html") if p.parent.name != "id"]
    assert len(pages) > 60
    for path in pages:
        page = _Page(path)
        names = [name for name, _ in page.tags]
        assert page.all("html") == [{"lang": "en"}], path
        for landmark in ("header", "nav", "main", "footer"):
            assert landmark in names, (path, landmark)
        assert names.count("h1") == 1, path
        assert {"name": "viewport", "content": "width=device-width, initial-scale=1"} in (
            page.all("meta")
        )
        labelled = {attrs.get("for") for attrs in page.all("label")}
        for control in page.all("input") + page.all("select"):
            assert control.get("id") in labelled, (path, control)


def test_nothing_is_loaded_from_outside_the_site(built_site: BuiltSite) -> None:
    for path in built_site.site.rglob("*.html"):
        page = _Page(path)
        for tag, attribute in (("script", "src"), ("link", "href"), ("img", "src")):
            for attrs in page.all(tag):
                value = str(attrs.get(attribute) or "")
                assert "//" not in value, (path, value)


def test_resource_pages_are_small(built_site: BuiltSite) -> None:
    sizes = [path.stat().st_size for path in (built_site.site / "r").glob("*.html")]
    assert max(sizes) < 30 * 1024


def test_search_index_finds_every_word_of_every_title(built_site: BuiltSite) -> None:
    index = built_site.site / "search"
    meta = json.loads((index / "meta.json").read_text())
    docs = [
        doc
        for number in range(-(-meta["docs"] // meta["chunk"]))
        for doc in json.loads((index / "docs" / f"{number}.json").read_text())
    ]
    assert len(docs) == meta["docs"] == len(dataset.load(built_site.dataset))
    records = {r["stable_id"]: r for r in dataset.load(built_site.dataset)}
    for number, doc in enumerate(docs):
        for word in site_search.words(records[doc[0]]["title"]):
            shard = json.loads((index / "terms" / f"{site_search.shard_of(word)}.json").read_text())
            assert number in _numbers(shard[word]), (word, doc[0])
    importance = [records[doc[0]].get("importance", -1) for doc in docs]
    assert importance == sorted(importance, reverse=True)


def test_search_words_fold_case_accents_and_stop_words() -> None:
    assert site_search.words("The Évaluation of AI-safety, 2024") == [
        "evaluation",
        "ai",
        "safety",
        "2024",
    ]
    assert site_search.shard_of("évaluation") == "_" + "év".encode().hex()
    assert site_search.shard_of("evaluation") == "ev"


def test_the_same_dataset_gives_the_same_site(built_site: BuiltSite, tmp_path: Path) -> None:
    again = website.build_site(dataset.load_all(built_site.dataset), tmp_path / "s", jobs=2).out
    comparison = filecmp.dircmp(built_site.site, again)
    assert _differences(comparison) == []


def test_cli_builds_from_a_dataset_and_refuses_a_foreign_folder(
    built_site: BuiltSite, tmp_path: Path
) -> None:
    runner = CliRunner()
    out = tmp_path / "site"
    args = ["site", "--out", str(out), "--from", str(built_site.dataset), "--jobs", "1"]
    done = runner.invoke(cli, args, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert "files for 45 resources" in done.output
    assert (out / "r" / f"{EXAMPLE}.html").read_bytes() == (
        built_site.site / "r" / f"{EXAMPLE}.html"
    ).read_bytes()
    assert runner.invoke(cli, args, catch_exceptions=False).exit_code == 0  # rebuilds in place
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    args = ["site", "--out", str(foreign), "--from", str(built_site.dataset)]
    refused = runner.invoke(cli, args, catch_exceptions=False)
    assert refused.exit_code == 2
    assert "is not a site built by resreg" in refused.output
    assert (foreign / "keep.txt").read_text() == "mine"


def test_cli_builds_from_the_registry(tmp_path: Path) -> None:
    out = tmp_path / "site"
    args = ["site", "--out", str(out), "--root", str(PROJECT_ROOT), "--jobs", "1"]
    done = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert (out / "r" / f"{EXAMPLE}.html").is_file()


def _numbers(gaps: list[int]) -> list[int]:
    numbers, total = [], 0
    for gap in gaps:
        total += gap
        numbers.append(total)
    return numbers


def _differences(comparison: filecmp.dircmp[str]) -> list[str]:
    found = comparison.left_only + comparison.right_only + comparison.diff_files
    for sub in comparison.subdirs.values():
        found += _differences(sub)
    return found


def _colours(css: str, scheme: str) -> dict[str, str]:
    block = css.split("@media (prefers-color-scheme: dark)")[1 if scheme == "dark" else 0]
    return dict(re.findall(r"--([a-z]+):\s*(#[0-9a-f]{6})", block.split("}")[0]))


def _contrast(first: str, second: str) -> float:
    """The WCAG 2 contrast ratio of two sRGB colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_colours_meet_the_contrast_the_readme_promises(scheme: str) -> None:
    """Text at least 7:1 (WCAG AAA) and links at least 4.5:1 (AA), on the page and on
    chips, in both schemes."""
    css = (PROJECT_ROOT / "src/resource_registry/static/style.css").read_text()
    colour = _colours(css, scheme)
    assert set(colour) >= {"bg", "fg", "muted", "link", "chip", "focus"}
    for background in ("bg", "chip"):
        assert _contrast(colour["fg"], colour[background]) >= 7
        assert _contrast(colour["muted"], colour[background]) >= 7
        assert _contrast(colour["link"], colour[background]) >= 4.5
    assert _contrast(colour["focus"], colour["bg"]) >= 3  # a focus outline is a graphic


def test_any_slug_may_name_a_listing(built_site: BuiltSite, tmp_path: Path) -> None:
    """Directory pages live beside their folders and later pages carry `~` (in no slug),
    so a tag called `index`, or one that looks like a page number (`ai-2`), never
    overwrites another page."""
    data = dataset.load_all(built_site.dataset)
    first = dict(data.resources[0], tags=["index"])
    odd = dataclasses.replace(
        data, resources=[first, *data.resources[1:]], tags=[*data.tags, {"id": "index"}]
    )
    site = website.build_site(odd, tmp_path / "s", jobs=1).out
    listed = _Page(site / "tags" / "index.html")
    assert f"../r/{first['stable_id']}.html" in listed.links()
    assert "tags/index.html" in _Page(site / "tags.html").links()


# --- a hostile dataset: values that validation would refuse, fed to the site directly ------

HOSTILE_URLS = (
    "javascript:alert(document.domain)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "\x01javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "https://example.org/\x00x",
    "https://example.org/a\nb",
    "https://example.org/\u202egnp.exe",
    "http:///no-host",
    "//example.org/no-scheme",
    "http://[::1/unclosed",
)


def _hostile_urls(data: dataset.Dataset) -> dataset.Dataset:
    first, second, *rest = data.resources
    first = dict(first, url=HOSTILE_URLS[0], previous_urls=list(HOSTILE_URLS))
    second = dict(second, url=HOSTILE_URLS[5])
    stones = [dict(data.tombstones[0], url=HOSTILE_URLS[6]), *data.tombstones[1:]]
    return dataclasses.replace(data, resources=[first, second, *rest], tombstones=stones)


def test_only_web_urls_become_links(built_site: BuiltSite, tmp_path: Path) -> None:
    data = _hostile_urls(dataset.load_all(built_site.dataset))
    site = website.build_site(data, tmp_path / "s", jobs=1).out
    first, second = data.resources[0], data.resources[1]
    for path in site.rglob("*.html"):
        page = _Page(path)
        targets = page.links() + [str(attrs.get("href")) for attrs in page.all("link")]
        for target in targets:
            assert re.fullmatch(r"https?://[!-~]+|[\w./~-]*(#[\w-]+)?|data:,", target), (
                path,
                target,
            )
    page = _Page(site / "r" / f"{first['stable_id']}.html")
    assert "javascript:alert(document.domain)" in page.text  # shown, as text
    assert "https://example.org/[U+202E]gnp.exe" in page.text  # spelt out, not reordering
    assert "https://example.org/[U+0000]x" in page.text
    assert first["title"] in page.text
    assert not any(attrs.get("href") == first["url"] for attrs in page.all("a"))
    assert (
        "data:text/html,<script>alert(1)</script>"
        in _Page(site / "r" / f"{second['stable_id']}.html").text
    )
    assert "<script>alert" not in (site / "r" / f"{second['stable_id']}.html").read_text()
    stone = data.tombstones[0]
    assert "vbscript:msgbox(1)" in _Page(site / "r" / f"{stone['stable_id']}.html").text


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_web_url_refuses_what_is_not_a_web_link(url: str) -> None:
    assert site_safety.web_url(url) is None


def test_web_url_keeps_web_links() -> None:
    for url in ("https://example.org/a?b=c&d=%20#e", "HTTP://EXAMPLE.ORG/", "http://[::1]:8/"):
        assert site_safety.web_url(url) == url


def _hostile_name(data: dataset.Dataset, where: str, value: object) -> dataset.Dataset:
    first, *rest = data.resources
    if where == "tombstone":
        stones = [dict(data.tombstones[0], stable_id=value), *data.tombstones[1:]]
        return dataclasses.replace(data, tombstones=stones)
    if where == "tag-vocabulary":
        return dataclasses.replace(data, tags=[*data.tags, {"id": value}])
    single = where in ("stable_id", "id", "type", "publication")
    changed = dict(first, **{where: value if single else [value]})
    return dataclasses.replace(data, resources=[changed, *rest])


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("stable_id", "../../ESCAPED-BY-DATASET"),
        ("stable_id", "sid_0123456789\n"),  # `$` would match before the newline
        ("stable_id", "sid_01234/../x"),
        ("id", "../../ESCAPED-BY-DATASET"),
        ("type", "../../ESCAPED"),
        ("labels", "x/../../../y"),
        ("tags", "../../ESCAPED"),
        ("tags", "/tmp/absolute"),
        ("tags", {"not": "text"}),
        ("publication", ".."),
        ("cited_by", "a\\b"),
        ("tombstone", "../ESCAPED-BY-DATASET"),
        ("tag-vocabulary", "../listed"),
        ("tags", "x" * 101),
    ],
)
def test_a_name_that_is_not_an_id_is_refused_and_nothing_is_written(
    built_site: BuiltSite, tmp_path: Path, where: str, value: object
) -> None:
    out = tmp_path / "work" / "out"
    data = dataset.load_all(built_site.dataset)
    website.build_site(data, out, jobs=1)
    before = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    with pytest.raises(dataset.DatasetError) as refused:
        website.build_site(_hostile_name(data, where, value), out, jobs=1)
    assert ascii(value)[:40] in str(refused.value)
    after = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before  # the earlier site is intact, and nothing was written beside it
    assert [p.name for p in (tmp_path / "work").iterdir()] == ["out"]


def test_a_refused_name_reaches_the_terminal_escaped(built_site: BuiltSite, tmp_path: Path) -> None:
    data = _hostile_name(dataset.load_all(built_site.dataset), "tags", "\x1b]0;owned\x07")
    with pytest.raises(dataset.DatasetError) as refused:
        website.build_site(data, tmp_path / "s", jobs=1)
    assert "\x1b" not in str(refused.value)
    assert "\\x1b]0;owned\\x07" in str(refused.value)


# --- what a new user tripped on -------------------------------------------------------------


def _docs_matching(site: Path, term: str) -> list[str]:
    """The stable IDs the search index gives for ``term`` (a whole term, as indexed)."""
    index = site / "search"
    meta = json.loads((index / "meta.json").read_text())
    docs = [
        doc[0]
        for number in range(-(-meta["docs"] // meta["chunk"]))
        for doc in json.loads((index / "docs" / f"{number}.json").read_text())
    ]
    shard = index / "terms" / f"{site_search.shard_of(term)}.json"
    postings = json.loads(shard.read_text()).get(term, []) if shard.is_file() else []
    return [docs[number] for number in _numbers(postings)]


@pytest.mark.parametrize(
    "term",
    [
        "brussee",  # an author
        "lock",  # the title of the page that cites it ("Lock-in")
        "d9enmtcnin",  # its stable ID, as a query `sid_d9EnmTcnin` becomes
        "3e03a6e800128f8c",  # its resource ID
    ],
)
def test_search_finds_authors_citing_pages_and_ids(built_site: BuiltSite, term: str) -> None:
    assert EXAMPLE in _docs_matching(built_site.site, term)


def test_long_author_lists_are_cut(built_site: BuiltSite) -> None:
    records = {r["stable_id"]: r for r in dataset.load(built_site.dataset)}
    eight = records["sid_dYSKVskolN"]["authors"]
    four = records["sid_f79Qep14Av"]["authors"]
    assert (len(eight), len(four)) == (8, 4)
    page = _Page(built_site.site / "r" / "sid_dYSKVskolN.html")
    assert f"{', '.join(eight[:3])} and 5 more {', '.join(eight[3:])}" in page.text
    assert page.all("summary") == [{}]
    page = _Page(built_site.site / "r" / "sid_f79Qep14Av.html")
    assert ", ".join(four) in page.text
    assert "more" not in page.text.split("Authors")[1].split("Published")[0]


class _Outline(HTMLParser):
    """Each heading of a page, and whether anything follows it within its section."""

    _CONTAINERS = frozenset({"main", "section", "article", "header", "footer", "nav", "body"})
    _CONTENT = frozenset({"li", "table", "img", "input", "select", "dd", "time"})

    def __init__(self, path: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.heading: tuple[int, str] | None = None  # the heading being read: level, text
        self.open: list[tuple[int, int, str]] = []  # headings still waiting: level, depth, text
        self.empty: list[str] = []
        self.feed(path.read_text(encoding="utf-8"))
        self.close()
        self.empty += [text for _, _, text in self.open]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._CONTAINERS:
            self.depth += 1
        elif re.fullmatch(r"h[1-6]", tag):
            level = int(tag[1])
            self._close(lambda waiting: waiting[0] >= level)
            self.heading = (level, "")
        elif tag in self._CONTENT and self.heading is None:
            self.open = []

    def handle_endtag(self, tag: str) -> None:
        if tag in self._CONTAINERS:
            self.depth -= 1
            self._close(lambda waiting: waiting[1] > self.depth)
        elif re.fullmatch(r"h[1-6]", tag) and self.heading:
            level, text = self.heading
            self.open.append((level, self.depth, text.strip()))
            self.heading = None

    def handle_data(self, data: str) -> None:
        if self.heading is not None:
            self.heading = (self.heading[0], self.heading[1] + data)
        elif data.strip():
            self.open = []  # content: every heading above it has some

    def _close(self, ends: Callable[[tuple[int, int, str]], bool]) -> None:
        self.empty += [waiting[2] for waiting in self.open if ends(waiting)]
        self.open = [waiting for waiting in self.open if not ends(waiting)]


def _empty_headings(site: Path) -> list[tuple[str, str]]:
    return [
        (str(path.relative_to(site)), heading)
        for path in sorted(site.rglob("*.html"))
        for heading in _Outline(path).empty
    ]


def test_no_heading_is_left_empty(built_site: BuiltSite, tmp_path: Path) -> None:
    assert _empty_headings(built_site.site) == []
    data = dataset.load_all(built_site.dataset)
    bare = [
        {k: v for k, v in r.items() if k not in ("labels", "importance", "tags")}
        for r in data.resources
    ]
    plain = dataclasses.replace(data, resources=bare, tags=[])
    site = website.build_site(plain, tmp_path / "s", jobs=1).out
    assert _empty_headings(site) == []
    index = _Page(site / "index.html").text
    assert "By type" in index
    assert "By label" not in index
    assert "Most important" not in index  # no resource has an importance: nothing is ranked
    assert "None yet." in _Page(site / "tags.html").text


def test_an_outline_with_an_empty_heading_is_seen(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_text(
        "<body><main><h1>A</h1><section><h2>B</h2><ul></ul></section>"
        "<section><h2>C</h2><h3>D</h3><p>x</p></section><h2>E</h2></main></body>"
    )
    assert _Outline(page).empty == ["B", "E"]


def _with_fetch(data: dataset.Dataset, **fetch: object) -> tuple[dataset.Dataset, str]:
    first, *rest = data.resources
    changed = dict(first, fetch={"status": 200, "checked_at": "2026-04-07T10:00:00Z", **fetch})
    return dataclasses.replace(data, resources=[changed, *rest]), first["stable_id"]


def test_a_redirect_says_where_to(built_site: BuiltSite, tmp_path: Path) -> None:
    data = dataset.load_all(built_site.dataset)
    moved, sid = _with_fetch(
        data, verdict="redirected", final_url="https://example.org/moved?a=<b>"
    )
    page = _Page(website.build_site(moved, tmp_path / "a", jobs=1).out / "r" / f"{sid}.html")
    assert "HTTP 200 (redirected to https://example.org/moved?a=<b>), checked 2026-04-07" in (
        page.text
    )
    assert "https://example.org/moved?a=<b>" in page.links()
    hostile, sid = _with_fetch(data, verdict="redirected", final_url="javascript:alert(1)")
    page = _Page(website.build_site(hostile, tmp_path / "b", jobs=1).out / "r" / f"{sid}.html")
    assert "HTTP 200 (redirected to javascript:alert(1))" in page.text
    assert "javascript:alert(1)" not in page.links()
    unknown, sid = _with_fetch(data, verdict="redirected")
    page = _Page(website.build_site(unknown, tmp_path / "c", jobs=1).out / "r" / f"{sid}.html")
    assert "HTTP 200 (redirected; the final URL was not recorded)" in page.text


def _most_important(site: Path) -> list[str]:
    html = (site / "index.html").read_text()
    section = html.split('<h2 id="top">Most important</h2>')[1].split("</section>")[0]
    return re.findall(r'href="r/(sid_\w+)\.html"', section)


def test_most_important_ranks_only_what_has_an_importance_and_says_how(
    built_site: BuiltSite, tmp_path: Path
) -> None:
    data = dataset.load_all(built_site.dataset)
    pages = [page["id"] for page in data.pages]
    by_title = sorted(data.resources, key=lambda r: r["title"].casefold())
    # the first two by title have no importance: an alphabetical fallback would list them
    unranked = {record["stable_id"] for record in by_title[:2]}
    # a tie at 100, broken by the number of citing pages, not by the title
    earlier, later = by_title[2], by_title[-1]
    changes = {
        earlier["stable_id"]: dict(earlier, importance=100, cited_by=pages[:1]),
        later["stable_id"]: dict(later, importance=100, cited_by=pages[:2]),
    }
    resources = []
    for original in data.resources:
        record = changes.get(original["stable_id"], original)
        if record["stable_id"] in unranked:
            record = {key: value for key, value in record.items() if key != "importance"}
        resources.append(record)
    assert len(pages) >= 2
    assert len(resources) < site_listings.TOP_RESOURCES  # room for the unranked, were they listed
    site = website.build_site(dataclasses.replace(data, resources=resources), tmp_path / "s")
    listed = _most_important(site.out)
    assert len(listed) == len(resources) - 2
    assert not unranked & set(listed)
    assert listed.index(later["stable_id"]) < listed.index(earlier["stable_id"])
    text = _Page(site.out / "index.html").text
    assert "at equal importance, the resource cited by more knowledge-base pages first" in text
    assert "2 resources have no importance and are not ranked here." in text


@pytest.mark.parametrize(("value", "dirty"), [(None, False), (False, False), (True, True)])
def test_a_site_from_uncommitted_changes_says_so(
    built_site: BuiltSite, tmp_path: Path, value: bool | None, dirty: bool
) -> None:
    data = dataset.load_all(built_site.dataset)
    assert "source_dirty" not in data.manifest  # today's export: clean means no key
    manifest = data.manifest if value is None else {**data.manifest, "source_dirty": value}
    site = website.build_site(dataclasses.replace(data, manifest=manifest), tmp_path / "s").out
    index = _Page(site / "index.html").text
    resource = _Page(site / "r" / f"{EXAMPLE}.html").text
    assert ("Built from uncommitted changes" in index) is dirty
    assert ("with uncommitted changes" in resource) is dirty
    assert json.loads((site / "site.json").read_text()).get("source_dirty", False) is dirty


def test_the_resource_page_shows_the_cached_content_preview(built_site: BuiltSite) -> None:
    page = _Page(built_site.site / "r" / f"{EXAMPLE}.html")
    text = page.text
    assert "Cached Content Preview" in text
    assert "HTTP 200 · Fetched Apr 7, 2026 · 9.0 KB · 1,240 words · language en" in text
    assert 'The idea that China gives every citizen a "social credit score"' in text
    # the source's own title beside the registry's, which is a phrase from the page
    source_title = "China's social credit score \u2013 untangling myth from reality"
    assert f"Title at the source: {source_title}" in text
    assert "No archived copy is known" not in text  # a live page needs no warning


def _with_fetch_blocks(data: dataset.Dataset, *blocks: dict[str, object]) -> dataset.Dataset:
    resources = list(data.resources)
    for index, block in enumerate(blocks):
        resources[index] = {**resources[index], "fetch": block}
    return dataclasses.replace(data, resources=resources)


ARCHIVED = "https://web.archive.org/web/20250101000000/https://example.org/"


def test_dead_walled_and_drifted_resources_say_so_and_link_the_archive(
    built_site: BuiltSite, tmp_path: Path
) -> None:
    stamp = {"checked_at": "2026-04-07T00:00:00Z"}
    blocks: list[dict[str, object]] = [
        {
            "status": 404,
            **stamp,
            "verdict": "dead",
            "preview": "What it said.",
            "archive_url": ARCHIVED,
            "archived_at": "2025-01-01T00:00:00Z",
        },
        {"status": 200, **stamp, "verdict": "soft-404"},
        {
            "status": 200,
            **stamp,
            "verdict": "ok",
            "similarity": 0.42,
            "preview": "New text.",
            "archive_url": ARCHIVED,
        },
        {"status": 403, **stamp, "verdict": "bot-wall"},
    ]
    data = _with_fetch_blocks(dataset.load_all(built_site.dataset), *blocks)
    site = website.build_site(data, tmp_path / "s", jobs=1).out
    pages = [_Page(site / "r" / f"{record['stable_id']}.html") for record in data.resources[:4]]
    dead, soft, drifted, wall = pages
    assert "The source is gone. Read the archived copy (captured Jan 1, 2025)." in dead.text
    assert ARCHIVED in dead.links()
    assert "The text of the last answer that had one." in dead.text
    assert "The source answers with a “not found” page. No archived copy is known." in soft.text
    assert "it is 42% similar to the text seen before. Read the archived copy." in drifted.text
    assert ARCHIVED in drifted.links()
    assert "bot challenge" in wall.text


def test_hostile_preview_title_and_archive_are_escaped(
    built_site: BuiltSite, tmp_path: Path
) -> None:
    block: dict[str, object] = {
        "status": 404,
        "checked_at": "2026-04-07T00:00:00Z",
        "verdict": "dead",
        "page_title": "<script>alert(1)</script>",
        "preview": "</blockquote><img src=x onerror=alert(2)>",
        "language": 'en" onmouseover="alert(3)',
        "archive_url": "javascript:alert(4)",
    }
    data = _with_fetch_blocks(dataset.load_all(built_site.dataset), block)
    site = website.build_site(data, tmp_path / "s", jobs=1).out
    path = site / "r" / f"{data.resources[0]['stable_id']}.html"
    html = path.read_text()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert 'onmouseover="alert' not in html
    assert 'href="javascript:' not in html
    page = _Page(path)
    assert "Title at the source: <script>alert(1)</script>" in page.text  # shown as text
    assert "</blockquote><img src=x onerror=alert(2)>" in page.text
