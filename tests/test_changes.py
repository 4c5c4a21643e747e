"""`resreg changes`: what a branch changes, on real git repositories, and hostile text
rendered safely (checked by parsing the Markdown with a CommonMark parser)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from conftest import FIXTURES, TODAY, git, resource_text
from resource_registry.base.errors import UsageError
from resource_registry.cli import cli
from resource_registry.contrib import markup
from resource_registry.contrib.review import Changes, FieldChange, changes
from resource_registry.contrib.summary import COMMENT_MARKER, render_markdown, render_text
from resource_registry.edit.authoring import merge, new_resource, retire

A, B, C, D = "sid_AAAAAAAAAA", "sid_BBBBBBBBBB", "sid_CCCCCCCCCC", "sid_DDDDDDDDDD"


def _write(root: Path, stable_id: str, url: str, **fields: object) -> str:
    path, text = resource_text(stable_id, url, **fields)
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_text(text)
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "base", root)
    for stable_id in (A, B, C, D):
        _write(root, stable_id, f"https://example.org/{stable_id[4]}", tags=["alignment"])
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "feature")
    return root


def _commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def test_an_unchanged_branch_has_no_changes(repo: Path) -> None:
    found = changes(repo, "main")
    assert found.empty
    assert found.base_commit == git(repo, "rev-parse", "main").strip()
    assert "touches no resource" in render_markdown(found)


def test_every_kind_of_change_is_reported(repo: Path) -> None:
    made = new_resource(repo, "https://example.org/new", title="A new paper", today=TODAY)
    assert made.path is not None
    path_b, _ = resource_text(B, "https://example.org/B")
    text = (repo / path_b).read_text().replace("Resource sid_BBBBBBBBBB", "Better title")
    (repo / path_b).write_text(text + "importance: 40\nfetch:\n  status: 200\n")
    retire(repo, C, reason="Spam.", today=TODAY)
    merge(repo, D, A, today=TODAY)
    tags = repo / "data/tags.yaml"
    tags.write_text(
        tags.read_text().replace("name: Governance", "name: AI governance")
        + "- id: forecasting\n  name: Forecasting\n"
    )
    _commit(repo, "changes")
    found = changes(repo, "main")
    assert [(item.title, item.url) for item in found.added] == [
        ("A new paper", "https://example.org/new")
    ]
    assert {item.stable_id for item in found.modified} == {A, B}  # A gained D's URL
    (b,) = [item for item in found.modified if item.stable_id == B]
    assert b.fields == (
        FieldChange("title", "Resource sid_BBBBBBBBBB", "Better title"),
        FieldChange("importance", None, 40),
        FieldChange("fetch", None, {"status": 200}),
    )
    by_id = {item.stable_id: item for item in found.retired}
    assert by_id.keys() == {C, D}
    assert (by_id[C].reason, by_id[C].successor) == ("Spam.", None)
    assert (by_id[D].successor, by_id[D].successor_title) == (A, "Resource sid_AAAAAAAAAA")
    assert found.removed == []  # both have tombstones
    assert [(v.id, v.kind, v.fields) for v in found.vocabulary] == [
        ("forecasting", "added", ()),
        ("governance", "modified", (FieldChange("name", "Governance", "AI governance"),)),
    ]
    text_output = render_text(found)
    assert "title: Resource sid_BBBBBBBBBB -> Better title" in text_output
    assert f"{D}  Resource sid_DDDDDDDDDD: merged into {A}; reason: Merged into {A}." in (
        text_output
    )
    markdown = render_markdown(found)
    assert markdown.startswith(COMMENT_MARKER + "\n## Registry changes\n")
    assert "### Retired or merged (2)" in markdown
    assert "`importance`: `(none)` → `40`" in markdown


def test_nested_fields_are_compared_key_by_key(repo: Path) -> None:
    path = _write(repo, A, "https://example.org/A", fetch={"status": 200, "bytes": 10})
    _commit(repo, "fetched")
    git(repo, "checkout", "-q", "-b", "recheck")
    _write(repo, A, "https://example.org/A", fetch={"status": 404, "bytes": 10})
    (modified,) = changes(repo, "feature").modified  # uncommitted: the working tree counts
    assert modified.path == path
    assert modified.fields == (FieldChange("fetch.status", 200, 404),)


def test_a_deletion_without_tombstone_and_a_broken_file_are_shown(repo: Path) -> None:
    path_a, _ = resource_text(A, "https://example.org/A")
    path_b, _ = resource_text(B, "https://example.org/B")
    (repo / path_a).unlink()
    (repo / path_b).write_text("stable_id: [unclosed\n")
    (repo / "data/resources/zz").mkdir()
    (repo / "data/resources/zz/sid_ZZZZZZZZZZ.yaml").write_text("- a list\n")
    found = changes(repo, "main")
    assert [(item.stable_id, item.path) for item in found.removed] == [(A, path_a)]
    assert found.unreadable == sorted([path_b, "data/resources/zz/sid_ZZZZZZZZZZ.yaml"])
    assert "validation fails: H002" in render_markdown(found)


def test_changes_use_the_merge_base_not_the_tip(repo: Path) -> None:
    """main retired A after the branch left it: that is not the branch's change."""
    git(repo, "checkout", "-q", "main")
    retire(repo, A, reason="Withdrawn.", today=TODAY)
    _commit(repo, "main retires A")
    git(repo, "checkout", "-q", "feature")
    retire(repo, B, reason="Spam.", today=TODAY)
    _commit(repo, "feature retires B")
    found = changes(repo, "main")
    assert [item.stable_id for item in found.retired] == [B]
    assert found.added == found.modified == found.removed == []


def test_migrating_the_old_tombstone_file_retires_nothing(repo: Path) -> None:
    stone = repo / "data/tombstones/re/sid_RetiredAAA.yaml"
    legacy = "- " + stone.read_text().replace("\n", "\n  ").rstrip() + "\n"
    shutil.rmtree(repo / "data/tombstones")
    (repo / "data/tombstones.yaml").write_text(legacy)
    _commit(repo, "the old layout")
    git(repo, "checkout", "-q", "-b", "migrate")
    result = CliRunner().invoke(
        cli, ["migrate-tombstones", "--root", str(repo)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert changes(repo, "feature").retired == []
    retire(repo, A, reason="Gone.", today=TODAY)  # a real retirement still shows
    assert [item.stable_id for item in changes(repo, "feature").retired] == [A]


def test_a_retirement_in_the_old_single_file_is_shown(repo: Path) -> None:
    legacy = repo / "data/tombstones.yaml"
    legacy.write_text("[]\n")
    _commit(repo, "old file")
    path_a, _ = resource_text(A, "https://example.org/A")
    (repo / path_a).unlink()
    legacy.write_text(
        f"- stable_id: {A}\n  id: 0123456789abcdef\n  url: https://example.org/A\n"
        "  title: Resource A\n  retired: '2026-01-01'\n  reason: Gone.\n"
    )
    (retired,) = changes(repo, "main").retired
    assert (retired.stable_id, retired.path, retired.reason) == (A, "data/tombstones.yaml", "Gone.")
    assert changes(repo, "main").removed == []


HOSTILE_TITLES = [
    "Close ` the span `` and ``` fence",
    "A | pipe | table",
    "<img src=x onerror=alert(1)> <script>alert(2)</script>",
    "<!-- resreg-changes --> mimic",
    "@everyone [link](javascript:alert(1)) **bold** _it_ # head",
    "line one\n# a heading\n- an item",
    "bidi \u202egnp.exe\u202c and zero\u200bwidth",
    "&amp; &lt;b&gt;",
]


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_hostile_titles_render_as_literal_text(repo: Path, title: str) -> None:
    _write(repo, "sid_HostileAAA", "https://example.org/h?a=`b`|c", title=title)
    _write(repo, B, "https://example.org/B", title=title, tags=["alignment"])
    found = changes(repo, "main")
    markdown = render_markdown(found)
    html = MarkdownIt("commonmark").enable("table").render(markdown)
    shown = markup.display(title)
    # nothing from the data became markup: no tag, link, heading or list of its own
    assert "<img" not in html
    assert "<script" not in html
    assert "<a " not in html
    assert html.count("<h2>") == 1
    assert html.count("<h3>") == 2
    assert html.count("<li>") == 3  # the added resource, the modified one, its field
    assert html.count("<!--") == 1  # the marker, first; a mimic is shown, not hidden
    assert markdown.splitlines().count(COMMENT_MARKER) == 1
    tokens = MarkdownIt("commonmark").parse(markdown)
    texts = [
        child.content
        for token in tokens
        if token.type == "inline" and token.children
        for child in token.children
        if child.type in ("text", "code_inline")
    ]
    assert shown in texts  # the title, exactly as the terminal would show it
    assert "\u202e" not in markdown
    assert "\u200b" not in markdown
    assert "\n# a heading" not in markdown
    terminal = render_text(found)
    assert "\u202e" not in terminal
    assert "\n# a heading" not in terminal


def test_code_spans_hold_any_backticks() -> None:
    parser = MarkdownIt("commonmark")
    for value in ["`", "``", "a ` b", "` start", "end `", "```x```", " spaced "]:
        (paragraph,) = [t for t in parser.parse(markup.code(value)) if t.type == "inline"]
        assert paragraph.children is not None
        assert [child.type for child in paragraph.children] == ["code_inline"]
        assert paragraph.children[0].content == value


def test_long_values_are_cut_and_lists_are_capped(repo: Path) -> None:
    assert markup.display("x" * 500).endswith("…")
    assert len(markup.display("x" * 500)) == markup.MAX_VALUE_CHARS
    found = Changes("main", "0" * 40, unreadable=[f"data/resources/{n:03}" for n in range(150)])
    markdown = render_markdown(found)
    assert markdown.count("\n- ") == 101
    assert "… and 50 more" in markdown


def test_the_command_prints_each_format(repo: Path) -> None:
    retire(repo, A, reason="Spam.", today=TODAY)
    runner = CliRunner()
    outputs = {}
    for output_format in ("text", "json", "markdown"):
        result = runner.invoke(
            cli,
            ["changes", "--root", str(repo), "--base", "main", "--format", output_format],
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        outputs[output_format] = result.stdout
    document = json.loads(outputs["json"])
    assert document["version"] == 1
    assert [item["stable_id"] for item in document["retired"]] == [A]
    assert document["base"]["ref"] == "main"
    assert f"{A}  Resource {A}: retired; reason: Spam." in outputs["text"]
    assert outputs["markdown"].startswith(COMMENT_MARKER)


def test_a_base_that_is_not_a_commit_is_a_usage_error(repo: Path) -> None:
    with pytest.raises(UsageError, match="not a commit"):
        changes(repo, "no-such-branch")
    result = CliRunner().invoke(
        cli, ["changes", "--root", str(repo), "--base", "nope"], catch_exceptions=False
    )
    assert result.exit_code == 2


ODD_FILES = {
    "title a mapping": "stable_id: sid_OddAAAAAAA\ntitle: {1: x, a: [b, {c: d}]}\nurl: 7\n",
    "keys of every kind": "stable_id: 12\n1: one\ntrue: yes\nnull: ~\nfetch: {1: 2, x: 3}\n",
    "a list": "- a\n- b\n",
    "empty": "",
    "not UTF-8": b"title: \xff\xfe\n",
    "huge value": "stable_id: sid_OddBBBBBBB\ntitle: " + "x" * 100_000 + "\n",
}


@pytest.mark.parametrize("case", sorted(ODD_FILES))
def test_odd_files_are_reported_never_a_crash(repo: Path, case: str) -> None:
    content = ODD_FILES[case]
    path_b, _ = resource_text(B, "https://example.org/B")
    for target in (repo / path_b, repo / "data/resources/od/sid_OddCCCCCCC.yaml"):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode() if isinstance(content, str) else content)
    (repo / "data/tags.yaml").write_bytes(content.encode() if isinstance(content, str) else content)
    stone = repo / "data/tombstones/od/sid_OddDDDDDDD.yaml"
    stone.parent.mkdir(parents=True)
    stone.write_bytes(content.encode() if isinstance(content, str) else content)
    found = changes(repo, "main")
    for render in (render_text, render_markdown):
        assert len(render(found)) < 20_000
    result = CliRunner().invoke(
        cli,
        ["changes", "--root", str(repo), "--base", "main", "--format", "json"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0
    json.loads(result.stdout)


def _inline(markdown: str) -> list[tuple[str, str]]:
    (paragraph,) = [t for t in MarkdownIt("commonmark").parse(markdown) if t.type == "inline"]
    assert paragraph.children is not None
    return [(child.type, child.content) for child in paragraph.children]


@given(st.text(max_size=60))
def test_any_text_renders_as_itself_and_nothing_more(value: str) -> None:
    shown = markup.display(value, limit=1000)
    for markdown in (
        f"- **{markup.text(value, limit=1000)}**",
        f"x {markup.text(value, limit=1000)} y",
    ):
        rendered = MarkdownIt("commonmark").render(markdown)
        assert "<code" not in rendered
        assert "<a " not in rendered
        assert rendered.count("<") == rendered.count("</") * 2 + rendered.count("<br")
    parts = _inline(f"x {markup.text(value, limit=1000)} y")
    assert "".join(content for kind, content in parts if kind == "text") == f"x {shown} y"


@given(st.text(max_size=60))
def test_any_value_fits_in_one_code_span(value: str) -> None:
    parts = _inline(f"x {markup.code(value, limit=1000)} y")
    assert parts == [
        ("text", "x "),
        ("code_inline", markup.display(value, limit=1000)),
        ("text", " y"),
    ]


def test_a_resource_moved_to_another_file_is_one_modification(repo: Path) -> None:
    path_a, text = resource_text(A, "https://example.org/A", tags=["alignment"])
    moved = "data/resources/zz/sid_AAAAAAAAAA.yaml"
    (repo / moved).parent.mkdir()
    (repo / moved).write_text(text.replace("Resource sid_AAAAAAAAAA", "Moved"))
    (repo / path_a).unlink()
    found = changes(repo, "main")
    assert found.added == found.removed == []
    (item,) = found.modified
    assert item.fields == (
        FieldChange("file", path_a, moved),
        FieldChange("title", "Resource sid_AAAAAAAAAA", "Moved"),
    )


def test_a_successor_that_is_no_stable_id_reads_no_file(repo: Path) -> None:
    secret = repo.parent / "secret.yaml"
    secret.write_text("title: the runner's secret\n")
    stone = repo / "data/tombstones/zz/sid_ZZZZZZZZZZ.yaml"
    stone.parent.mkdir(parents=True)
    stone.write_text(
        "stable_id: sid_ZZZZZZZZZZ\nid: 0123456789abcdef\nurl: https://example.org/z\n"
        "title: Z\nretired: '2026-01-01'\nreason: Gone.\n"
        "replaced_by: sid_ab/../../../../../secret\n"
    )
    (repo / "data/resources/ab/sid_ab").mkdir(parents=True)  # so that the path resolves
    (retired,) = changes(repo, "main").retired
    assert retired.successor == "sid_ab/../../../../../secret"
    assert retired.successor_title is None


def test_a_vocabulary_file_replaced_by_a_link_is_unreadable_not_emptied(repo: Path) -> None:
    tags = repo / "data/tags.yaml"
    (repo.parent / "elsewhere.yaml").write_text("- id: planted\n")
    tags.unlink()
    tags.symlink_to(repo.parent / "elsewhere.yaml")
    found = changes(repo, "main")
    assert found.vocabulary == []
    assert found.unreadable == ["data/tags.yaml"]
