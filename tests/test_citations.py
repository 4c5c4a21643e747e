"""`resreg citations`: `cited_by` from the knowledge base's pages.

The fixture pages in ``fixtures/kb/pages`` declare each finding they must produce on its
line (``<!-- expect: CODE -->``, ``{/* expect: CODE */}``), and ``fixtures/kb/expected.yaml``
the `cited_by` and pages vocabulary they make of the resources built here.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import FIXTURES, TODAY, MakeRegistry, resource_text
from resource_registry.base.config import KnowledgeBase, parse
from resource_registry.base.errors import UsageError
from resource_registry.check.identity import shard_path
from resource_registry.cli import cli
from resource_registry.edit import authoring
from resource_registry.kb import citations
from resource_registry.kb.mentions import COMPONENT, INLINE
from resource_registry.kb.pages import page_id
from resource_registry.kb.scan import scan
from resource_registry.record.urls import resource_id
from resource_registry.record.writer import RESOURCE_ORDER, render

KB = FIXTURES / "kb"
EXPECTED = yaml.safe_load((KB / "expected.yaml").read_text())
_EXPECT = re.compile(r"(?:<!--|\{/\*)\s*expect:\s*([A-Z0-9 ]+?)\s*(?:-->|\*/\})")
# the codes a page declares; the others (edges, the vocabulary) are checked by value
_DECLARED = {"K003", "K004", "K005", "K006", "K010", "K011"}

RESOURCES = {
    "sid_kbAlpha001": ("https://example.org/alpha", {"cited_by": ["alignment"]}),
    "sid_kbBravo002": (
        "https://www.example.com/bravo/",
        {"previous_urls": ["https://example.com/old-bravo"]},
    ),
    "sid_kbCharl003": ("https://arxiv.org/abs/2401.00001", {"cited_by": ["broken"]}),
    "sid_kbDelta004": ("https://example.net/delta", {}),
    "sid_kbEcho0005": ("https://example.net/echo", {}),
    "sid_kbFoxtr006": ("https://example.org/foxtrot", {"cited_by": ["guide"]}),
    "sid_kbGolf0007": ("https://example.org/golf", {"cited_by": ["unclosed"]}),
}
PAGES_YAML = """\
- id: alignment
  title: A page that is gone
- id: guide
  title: An old title
  path: content/docs/guide.md
- id: unclosed
  title: Kept as it was
"""


def _resource(stable_id: str, url: str, fields: dict[str, object]) -> tuple[str, str]:
    record = {"stable_id": stable_id, "id": resource_id(url), "url": url, "type": "web"}
    return shard_path(stable_id), render(
        {**record, "title": f"Resource {stable_id}", **fields}, RESOURCE_ORDER
    )


@pytest.fixture
def kb_registry(make_registry: MakeRegistry) -> Path:
    """A registry with the test's resources (Delta merged into Bravo, Echo withdrawn) and
    the fixture pages in its configured pages folder."""
    files = dict(_resource(sid, url, fields) for sid, (url, fields) in RESOURCES.items())
    root = make_registry({**files, "data/pages.yaml": PAGES_YAML})
    authoring.merge(root, "sid_kbDelta004", "sid_kbBravo002", today=TODAY)
    authoring.retire(root, "sid_kbEcho0005", reason="Taken down.", today=TODAY)
    shutil.copytree(KB / "pages", root / "content" / "docs")
    return root


def _run(root: Path, **options: bool) -> citations.Outcome:
    settings = KnowledgeBase()
    return citations.run(
        root, root / settings.pages, settings.pages, settings, citations.Options(**options)
    )


def _declared(root: Path) -> set[tuple[str, int, str]]:
    expected = set()
    for path in sorted((root / "content/docs").rglob("*.md*")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in _EXPECT.finditer(line):
                relative = path.relative_to(root).as_posix()
                expected |= {(relative, number, code) for code in match[1].split()}
    return expected


def _cited_by(root: Path) -> dict[str, list[str]]:
    found = {}
    for path in sorted((root / "data/resources").rglob("*.yaml")):
        record = yaml.safe_load(path.read_text())
        if record.get("cited_by"):
            found[record["stable_id"]] = record["cited_by"]
    return found


def test_every_declared_finding_and_no_other(kb_registry: Path) -> None:
    outcome = _run(kb_registry)
    found = {
        (item.path, item.line, item.code) for item in outcome.findings if item.code in _DECLARED
    }
    assert found == _declared(kb_registry)


def test_the_pages_make_the_expected_cited_by(kb_registry: Path) -> None:
    outcome = _run(kb_registry)
    assert {sid: sorted(pages) for sid, pages in outcome.cited_by.items()} == EXPECTED["cited_by"]


def test_bad_pages_are_findings_and_unreadable_ones_keep_their_edges(kb_registry: Path) -> None:
    outcome = _run(kb_registry)
    by_path = defaultdict(set)
    for item in outcome.findings:
        by_path[item.path].add((item.line, item.code))
    assert (1, "K015") in by_path["content/docs/unclosed.md"]
    assert (0, "K014") in by_path["content/docs/Bad Name.md"]
    assert (0, "K014") in by_path["content/docs/dup.md"]
    assert (0, "K014") in by_path["content/docs/dup/index.md"]
    assert "content/docs/notes.txt" not in by_path  # not a page
    assert outcome.cited_by["sid_kbGolf0007"] == {"unclosed"}


def test_check_names_the_resource_the_page_and_the_line_and_the_fix(kb_registry: Path) -> None:
    outcome = _run(kb_registry)
    missing = [item for item in outcome.findings if item.code == "K001"]
    charlie = next(item for item in missing if "sid_kbCharl003" in item.message)
    assert (charlie.path, charlie.line) == ("content/docs/topics/index.mdx", 10)
    assert "data/resources/kb/sid_kbCharl003.yaml" in charlie.message
    assert "--write" in (charlie.hint or "")
    extra = next(item for item in outcome.findings if item.code == "K002")
    assert extra.path == shard_path("sid_kbAlpha001")
    assert (
        extra.line
        == (kb_registry / extra.path).read_text().splitlines().index("cited_by: [alignment]") + 1
    )
    assert "`alignment`" in extra.message
    assert "no page has that id" in extra.message
    codes = {item.code for item in outcome.findings}
    assert {"K012", "K013"} <= codes


def test_write_fixes_cited_by_and_the_pages_vocabulary_and_nothing_else(kb_registry: Path) -> None:
    pages_before = {p: p.read_bytes() for p in (kb_registry / "content").rglob("*") if p.is_file()}
    golf = kb_registry / shard_path("sid_kbGolf0007")
    golf_before = golf.read_bytes()
    outcome = _run(kb_registry, write=True)
    assert _cited_by(kb_registry) == EXPECTED["cited_by"]
    assert yaml.safe_load((kb_registry / "data/pages.yaml").read_text()) == EXPECTED["pages"]
    assert golf.read_bytes() == golf_before  # already right: not rewritten
    rewritten = ("sid_kbAlpha001", "sid_kbBravo002", "sid_kbCharl003", "sid_kbFoxtr006")
    assert sorted(outcome.rewritten) == sorted(shard_path(sid) for sid in rewritten)
    pages_after = {p: p.read_bytes() for p in (kb_registry / "content").rglob("*") if p.is_file()}
    assert pages_after == pages_before  # no page is written without --convert
    again = _run(kb_registry)
    assert not {"K001", "K002", "K012", "K013"} & {item.code for item in again.findings}
    assert _run(kb_registry, write=True).rewritten == []
    result = CliRunner().invoke(
        cli, ["validate", "--root", str(kb_registry), "--no-cache"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.stdout


def test_write_changes_only_the_cited_by_line_and_keeps_comments(
    make_registry: MakeRegistry,
) -> None:
    path, text = resource_text(
        "sid_kbAlpha001", "https://example.org/alpha", summary="Kept.", tags=["alignment"]
    )
    text = "# a comment kept\n" + text.replace("summary: Kept.", "summary: Kept.  # and this")
    root = make_registry({path: text})
    (root / "content/docs").mkdir(parents=True)
    (root / "content/docs/alignment.md").write_text(
        '---\ntitle: AI Alignment\ntype: approach\n---\n<R id="sid_kbAlpha001" />\n'
    )
    _run(root, write=True)
    after = (root / path).read_text()
    lines_before, lines_after = text.splitlines(), after.splitlines()
    added = [line for line in lines_after if line not in lines_before]
    assert added == ["cited_by: [alignment]"]
    assert [line for line in lines_after if line != "cited_by: [alignment]"] == lines_before


def test_convert_rewrites_the_links_and_every_other_byte_stays(kb_registry: Path) -> None:
    guide = kb_registry / "content/docs/guide.md"
    crlf = guide.read_bytes().replace(b"\n", b"\r\n")
    guide.write_bytes(b"\xef\xbb\xbf" + crlf)  # a byte order mark and CRLF line ends stay
    topics = kb_registry / "content/docs/topics/index.mdx"
    before = {path: path.read_bytes() for path in (guide, topics)}
    outcome = _run(kb_registry, convert=True)
    alpha, bravo = (
        resource_id("https://example.org/alpha"),
        resource_id(RESOURCES["sid_kbBravo002"][0]),
    )
    foxtrot, charlie = resource_id("https://example.org/foxtrot"), "d031c5b41e91949a"
    replacements = {
        guide: [
            (b'[Alpha](https://example.org/alpha "the title")', f'<R id="{alpha}">Alpha</R>'),
            (b"<https://example.com/bravo>", f'<R id="{bravo}">https://example.com/bravo</R>'),
            (b"[Bravo](https://example.com/bravo)", f'<R id="{bravo}">Bravo</R>'),
        ],
        topics: [
            (
                b"[version 2](https://arxiv.org/pdf/2401.00001v2)",
                f'<R id="{charlie}">version 2</R>',
            ),
            (
                b'<a href="https://example.org/foxtrot" target="_blank">Foxtrot</a>',
                f'<R id="{foxtrot}">Foxtrot</R>',
            ),
            (
                b"    [Alpha](https://example.org/alpha) indented",
                f'    <R id="{alpha}">Alpha</R> indented',
            ),
        ],
    }
    for path, pairs in replacements.items():
        expected = before[path]
        for old, new in pairs:
            assert expected.count(old) == 1, old
            expected = expected.replace(old, new.encode())
        assert path.read_bytes() == expected
    assert outcome.converted == {"guide.md": 3, "topics/index.mdx": 3}
    left = {(item.path, item.line) for item in outcome.findings if item.code == "K005"}
    # not convertible as they stand: a reference definition, a footnote, a JSX component
    assert left == {
        ("content/docs/guide.md", 11),
        ("content/docs/guide.md", 38),
        ("content/docs/topics/index.mdx", 14),
    }
    assert _run(kb_registry).cited_by == outcome.cited_by  # converting changes no citation


def test_add_creates_resources_for_unregistered_links(kb_registry: Path) -> None:
    outcome = _run(kb_registry, add=True, write=True)
    assert len(outcome.added) == 1
    record = yaml.safe_load((kb_registry / outcome.added[0]).read_text())
    assert record["url"] == "https://new.example.org/page"
    assert record["title"] == "a new page"
    assert record["cited_by"] == ["guide"]
    assert not [item for item in outcome.findings if item.code == "K006"]


def test_bad_input_is_a_finding_never_a_crash(kb_registry: Path, tmp_path: Path) -> None:
    pages = kb_registry / "content/docs"
    (pages / "latin1.md").write_bytes(b"---\ntitle: x\n---\nline two\ncaf\xe9\n")
    (pages / "huge.md").write_text(
        "---\ntitle: Huge\n---\n" + "[a](https://example.org/alpha)\n" * 400
    )
    outside = tmp_path / "outside.md"
    outside.write_text("[Alpha](https://example.org/alpha)\n")
    (pages / "linked.md").symlink_to(outside)
    (pages / "linked-folder").symlink_to(tmp_path)
    (pages / "nul.mdx").write_text('[x](https://example.org/\x00y) <R id="\x1b[31m" />\n')
    (pages / "brackets.md").write_text("[" * 50_000 + "\n" + "](" * 20_000 + "\n`" * 3000)
    (kb_registry / "resreg.toml").write_text("[knowledge_base]\nmax_page_bytes = 10000\n")
    before = {path: path.read_bytes() for path in pages.rglob("*") if path.is_file()}
    result = CliRunner().invoke(
        cli, ["citations", "--root", str(kb_registry), "--write"], catch_exceptions=False
    )
    assert result.exit_code == 1
    out = result.stdout
    assert "content/docs/latin1.md:5:4: K007" in out
    assert "content/docs/huge.md: K008" in out
    assert "content/docs/linked.md: K009" in out
    assert "content/docs/linked-folder: K009" in out
    assert "content/docs/nul.mdx:1:1: K011" in out
    assert "content/docs/nul.mdx:1:29: K003" in out
    assert "\x1b" not in out
    assert "\x00" not in out
    after = {path: path.read_bytes() for path in pages.rglob("*") if path.is_file()}
    assert after == before
    assert outside.read_text() == "[Alpha](https://example.org/alpha)\n"


def test_the_pages_folder_and_its_ids_come_from_the_configuration(kb_registry: Path) -> None:
    moved = kb_registry.parent / "wiki" / "docs"
    shutil.move(kb_registry / "content/docs", moved)
    (kb_registry / "resreg.toml").write_text('[knowledge_base]\npages = "docs"\npage_id = "path"\n')
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["citations", "--root", str(kb_registry), "--pages", str(moved), "--format", "json"],
        catch_exceptions=False,
    )
    document = json.loads(result.stdout)
    paths = {item["path"] for item in document["findings"]}
    assert f"{moved}/topics/index.mdx" in paths
    assert document["summary"]["files_checked"] == 7
    runner.invoke(
        cli,
        ["citations", "--root", str(kb_registry), "--pages", str(moved), "--write"],
        catch_exceptions=False,
    )
    entries = yaml.safe_load((kb_registry / "data/pages.yaml").read_text())
    assert {entry["id"]: entry.get("path") for entry in entries}[
        "topics"
    ] == "docs/topics/index.mdx"
    missing = runner.invoke(cli, ["citations", "--root", str(kb_registry)], catch_exceptions=False)
    assert missing.exit_code == 2
    assert "does not exist" in missing.stderr


def test_the_configuration_says_which_links_cite(kb_registry: Path) -> None:
    (kb_registry / "resreg.toml").write_text('[knowledge_base]\nlinks = ["href"]\n')
    settings = parse((kb_registry / "resreg.toml").read_bytes()).knowledge_base
    outcome = citations.run(
        kb_registry, kb_registry / "content/docs", "content/docs", settings, citations.Options()
    )
    # guide.md cites Alpha and Bravo only through Markdown links: now it cites Foxtrot only
    assert {sid for sid, pages in outcome.cited_by.items() if "guide" in pages} == {
        "sid_kbFoxtr006"
    }
    assert "topics" in outcome.cited_by["sid_kbFoxtr006"]  # an <a href>
    assert not [item for item in outcome.findings if item.code == "K006"]  # inline links
    bad = parse(b'[knowledge_base]\nlinks = ["wikilink"]\n').knowledge_base
    with pytest.raises(UsageError, match="unknown kind `wikilink`"):
        citations.run(kb_registry, kb_registry / "content/docs", "x", bad, citations.Options())


def test_page_ids_follow_the_rule() -> None:
    assert page_id("guides/intro.mdx", "docs", "name") == "intro"
    assert page_id("guides/index.mdx", "docs", "name") == "guides"
    assert page_id("index.mdx", "docs", "name") == "docs"
    assert page_id("guides/intro.mdx", "docs", "path") == "guides-intro"
    assert page_id("a/b/index.md", "docs", "path") == "a-b"


def test_configuration_errors_name_the_key() -> None:
    with pytest.raises(UsageError, match="unknown key `page`"):
        parse(b'[knowledge_base]\npage = "x"\n')
    with pytest.raises(UsageError, match="patterns must be a list of strings"):
        parse(b"[knowledge_base]\npatterns = [1]\n")
    assert parse(b'[knowledge_base]\ncomponents = ["Cite"]\n').knowledge_base.components == ["Cite"]


def test_the_command_exits_by_errors_and_renders_each_format(kb_registry: Path) -> None:
    runner = CliRunner()
    root = ["--root", str(kb_registry)]
    text = runner.invoke(cli, ["citations", *root, "--check"], catch_exceptions=False)
    assert text.exit_code == 1
    assert re.search(r"content/docs/topics/index\.mdx:\d+:\d+: K001 ", text.stdout)
    github = runner.invoke(cli, ["citations", *root, "--format", "github"], catch_exceptions=False)
    assert "::error file=content/docs/" in github.stdout
    both = runner.invoke(cli, ["citations", *root, "--check", "--write"], catch_exceptions=False)
    assert both.exit_code == 2
    fixed = runner.invoke(cli, ["citations", *root, "--write"], catch_exceptions=False)
    assert "rewrote the `cited_by` of 4 resources" in fixed.stderr
    assert fixed.exit_code == 1  # the unknown and retired references remain errors
    assert " K001 " not in fixed.stdout


def test_scan_positions_are_exact() -> None:
    text = '---\ntitle: x\n---\nab [é](https://x.org/1)\n\n  <R id="a">t</R> and `[c](https://x.org/2)`\n'
    found = scan(text, mdx=True)
    assert [(m.kind, m.target, m.line, m.col) for m in found.mentions] == [
        (INLINE, "https://x.org/1", 4, 4),
        (COMPONENT, "a", 6, 3),
    ]
    link = found.mentions[0]
    assert text[link.start : link.end] == "[é](https://x.org/1)"
    assert found.front_matter == "title: x\n"


@pytest.mark.parametrize(
    ("text", "targets"),
    [
        ("```\n[a](https://x.org/1)\n```\n[b](https://x.org/2)", ["https://x.org/2"]),
        ("````\n```\n[a](https://x.org/1)\n````\n[b](https://x.org/2)", ["https://x.org/2"]),
        ("```\nnever closed\n[a](https://x.org/1)\n", []),
        ("> ```\n> [a](https://x.org/1)\n> ```\n", []),
        ("``[a](https://x.org/1)``", []),
        ("`not closed [a](https://x.org/1)", ["https://x.org/1"]),
        ("[a [b] c](https://x.org/w_(x))", ["https://x.org/w_(x)"]),
        ("[a](<https://x.org/a\\)b>)", ["https://x.org/a)b"]),
        ("[a](https://x.org/a\\_b)", ["https://x.org/a_b"]),
        ('<a href="https://x.org/?a=1&amp;b=2">x</a>', ["https://x.org/?a=1&b=2"]),
        ("[a]\n(https://x.org/1)", []),
        ("[^n]: see https://x.org/1", []),
    ],
)
def test_scan_reads_markdown_as_commonmark_does(text: str, targets: list[str]) -> None:
    assert [mention.target for mention in scan(text, mdx=False).mentions] == targets


def test_indented_code_is_code_in_markdown_and_text_in_mdx() -> None:
    text = "para\n\n    [a](https://x.org/1)\n\nmore [b](https://x.org/2)\n"
    assert [m.target for m in scan(text, mdx=False).mentions] == ["https://x.org/2"]
    assert [m.target for m in scan(text, mdx=True).mentions] == [
        "https://x.org/1",
        "https://x.org/2",
    ]


def test_page_paths_are_shown_relative_to_the_registry_root(
    kb_registry: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(kb_registry.parent)
    result = CliRunner().invoke(
        cli, ["citations", "--root", str(kb_registry)], catch_exceptions=False
    )
    assert "\ncontent/docs/guide.md:" in result.stdout  # relative to the root, as resources are


def test_convert_and_add_through_the_command(kb_registry: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["citations", "--root", str(kb_registry), "--convert", "--add", "--write"],
        catch_exceptions=False,
    )
    # six links, and the one to the resource --add created first
    assert "converted 7 links into references in 2 pages" in result.stderr
    assert "added 1 resources for unregistered links" in result.stderr
    assert " K006 " not in result.stdout
    assert result.exit_code == 1  # the unknown, retired and broken references remain
