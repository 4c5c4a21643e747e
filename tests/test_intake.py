"""`resreg new --from-issue`: issue-form payloads, good and hostile, through `new`'s path."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from markdown_it import MarkdownIt

import recorded
from conftest import MakeRegistry, resource_text
from resource_registry.cli import cli
from resource_registry.contrib import intake
from resource_registry.contrib.issueform import FIELDS, NO_RESPONSE

LABELS = {field.id: field.label for field in FIELDS}


def body(**answers: str | None) -> str:
    """An issue body as GitHub writes it from the form (None: left empty)."""
    parts = []
    for field in FIELDS:
        value = answers.get(field.id)
        parts.append(f"### {field.label}\n\n{NO_RESPONSE if value is None else value}")
    return "\n\n".join(parts) + "\n"


def event(text: str, number: int = 7) -> dict[str, object]:
    return {
        "action": "opened",
        "issue": {
            "number": number,
            "title": "New resource: $(touch ISSUE_TITLE_RAN)",
            "body": text,
            "user": {"login": "contributor"},
            "labels": [{"name": "new-resource"}],
        },
        "repository": {"full_name": "owner/registry"},
    }


@pytest.fixture
def registry(make_registry: MakeRegistry) -> Path:
    path, text = resource_text("sid_ExistingAA", "https://example.org/existing")
    return make_registry({path: text})


def run(registry: Path, payload: object, *extra: str) -> tuple[Result, str]:
    event_file = registry.parent / "event.json"
    event_file.write_text(payload if isinstance(payload, str) else json.dumps(payload))
    summary = registry.parent / "summary.md"
    summary.unlink(missing_ok=True)
    result = CliRunner().invoke(
        cli,
        [
            "new",
            "--root",
            str(registry),
            "--from-issue",
            str(event_file),
            "--summary",
            str(summary),
            *extra,
        ],
        catch_exceptions=False,
    )
    return result, summary.read_text() if summary.exists() else ""


def shown(markdown: str) -> list[str]:
    """The text each paragraph or list item of ``markdown`` shows, as CommonMark reads it."""
    lines = []
    for token in MarkdownIt("commonmark").parse(markdown):
        if token.type == "inline" and token.children is not None:
            lines.append(
                "".join(
                    child.content
                    for child in token.children
                    if child.type in ("text", "code_inline")
                )
            )
    return lines


def _resource_files(registry: Path) -> set[str]:
    return {path.name for path in (registry / "data/resources").rglob("*.yaml")}


def test_a_filled_form_becomes_a_resource(registry: Path) -> None:
    answers = body(
        url="https://Example.org/Report#section",
        title="  A report on compute  ",
        type="report",
        tags="governance, ai-alignment",
        cited_by="alignment",
        relevance="The figures on the compute page.",
    )
    result, summary = run(registry, event(answers))
    assert result.exit_code == 0, result.output
    path = registry / result.stdout.strip()
    record = yaml.safe_load(path.read_text())
    assert record["url"] == "https://example.org/Report"  # the certain fixes of `new`
    assert (record["title"], record["type"]) == ("A report on compute", "report")
    assert record["tags"] == ["alignment", "governance"]  # the alias replaced, sorted
    assert record["cited_by"] == ["alignment"]
    assert record["relevance"] == "The figures on the compute page."
    assert summary.startswith(intake.COMMENT_MARKER + "\n**The resource passed every check.**")
    assert f"`{result.stdout.strip()}`" in summary
    assert "fixed:" in summary  # the fragment dropped is worth a reviewer's look


def test_fields_left_empty_take_the_defaults(registry: Path) -> None:
    answers = body(url="https://example.org/plain", title="Plain", type="None")
    result, _ = run(registry, event(answers))
    assert result.exit_code == 0, result.output
    record = yaml.safe_load((registry / result.stdout.strip()).read_text())
    assert record["type"] == "web"
    assert not {"tags", "cited_by", "relevance"} & record.keys()


def test_a_body_with_windows_line_ends_is_read_alike(registry: Path) -> None:
    answers = body(url="https://example.org/crlf", title="Line ends").replace("\n", "\r\n")
    result, _ = run(registry, event(answers))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("answers", "problem"),
    [
        (body(title="No URL"), "the issue gives no URL: fill in the URL field"),
        (body(url="https://example.org/x"), intake.NO_TITLE),  # the page is unreachable
        (body(url="https://example.org/x", title="T", type="novel"), "the type is not one of"),
        (  # a second URL smuggled into another answer is refused, whichever was meant
            body(
                url="https://example.org/x",
                title="T",
                relevance="ok\n\n### URL\n\nhttps://evil.example",
            ),
            "the issue has more than one `URL` section",
        ),
        ("Free text, not the form at all.", "the issue gives no URL"),
    ],
)
def test_an_incomplete_form_is_refused_in_plain_words(
    registry: Path, answers: str, problem: str
) -> None:
    before = _resource_files(registry)
    result, summary = run(registry, event(answers))
    assert result.exit_code == 1
    assert _resource_files(registry) == before
    assert summary.startswith(intake.COMMENT_MARKER + "\n**The resource was not added.**")
    assert any(text.startswith(problem) for text in shown(summary)), shown(summary)
    assert problem.split(":", maxsplit=1)[0] in result.stderr


def test_a_url_already_recorded_is_refused_naming_the_resource(registry: Path) -> None:
    answers = body(url="https://www.example.org/existing/?utm_source=feed", title="Again")
    result, summary = run(registry, event(answers))
    assert result.exit_code == 1
    assert "sid_ExistingAA" in result.stderr
    assert "is already in the registry as sid\\_ExistingAA" in summary


def test_an_unknown_tag_is_refused_with_a_suggestion(registry: Path) -> None:
    answers = body(url="https://example.org/t", title="Tagged", tags="alignmnet")
    result, summary = run(registry, event(answers))
    assert result.exit_code == 1
    assert "alignmnet" in summary
    assert "alignment" in summary.split("alignmnet", 1)[1]  # did you mean


def test_shell_syntax_is_kept_as_text_and_runs_nothing(registry: Path, tmp_path: Path) -> None:
    canary = tmp_path / "RAN"
    title = f"$(touch {canary}) `touch {canary}` ${{IFS}}; touch {canary} | tee x"
    answers = body(url=f"https://example.org/$(touch%20{canary.name})", title=title)
    result, summary = run(registry, event(answers))
    assert result.exit_code == 0, result.output
    assert not canary.exists()
    assert not (registry / "ISSUE_TITLE_RAN").exists()
    record = yaml.safe_load((registry / result.stdout.strip()).read_text())
    assert record["title"] == title
    assert f"Title: {title}" in shown(summary)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("title", "two\nlines", "a line break"),
        ("title", "files \u202egpj.exe", "the bidirectional control U+202E"),
        ("title", "zero\u200bwidth", "the invisible character U+200B"),
        ("relevance", "an escape \x1b[31m red", "the control character U+001B"),
        ("url", "https://exa\u200bmple.org/", "U+200B"),
        ("title", "a NUL \x00 byte", "the control character U+0000"),
        ("title", "a lone \ud800 surrogate", "invalid Unicode character"),
    ],
)
def test_unicode_and_control_tricks_are_refused_by_the_text_rules(
    registry: Path, field: str, value: str, code: str
) -> None:
    answers = {"url": "https://example.org/tricks", "title": "Tricks", field: value}
    result, summary = run(registry, event(body(**answers)))
    assert result.exit_code == 1
    assert any(code in line for line in shown(summary)), shown(summary)
    for hidden in ("\u202e", "\u200b", "\x1b", "\x00", "\ud800"):
        assert hidden not in summary
        assert hidden not in result.output
    assert _resource_files(registry) == {"sid_ExistingAA.yaml"}


@pytest.mark.parametrize(
    "payload",
    ["not json", json.dumps({"action": "opened"}), json.dumps({"issue": {"number": True}}), "[]"],
)
def test_a_payload_that_is_not_an_issues_event_is_a_usage_error(
    registry: Path, payload: str
) -> None:
    result, summary = run(registry, payload)
    assert result.exit_code == 2
    assert summary == ""


def test_an_issue_without_a_body_says_what_is_missing(registry: Path) -> None:
    payload = event("")
    payload["issue"]["body"] = None  # type: ignore[index]  # reason: a JSON mapping
    result, summary = run(registry, payload)
    assert result.exit_code == 1
    assert "gives no URL" in summary


def test_from_issue_takes_no_other_arguments(registry: Path) -> None:
    answers = body(url="https://example.org/a", title="A")
    for extra in (["https://example.org/b"], ["--title", "B"], ["--type", "paper"], ["--tag", "x"]):
        result, _ = run(registry, event(answers), *extra)
        assert result.exit_code == 2, extra
        assert "--from-issue takes the URL and the rest from the issue alone" in result.stderr
    runner = CliRunner()
    result = runner.invoke(
        cli, ["new", "--root", str(registry), "--summary", "x.md"], catch_exceptions=False
    )
    assert result.exit_code == 2
    result = runner.invoke(cli, ["new", "--root", str(registry)], catch_exceptions=False)
    assert result.exit_code == 2
    assert "give a URL, or --from-issue EVENT.json" in result.stderr
    offline = ["new", "--root", str(registry), "--offline", "https://example.org/c"]
    result = runner.invoke(cli, offline, catch_exceptions=False)
    assert result.exit_code == 2
    assert "--offline needs --title" in result.stderr


def test_the_form_labels_are_the_ones_read() -> None:
    answers, problems = intake.sections(body(url="u", title="t", tags="a, b", cited_by="c d"))
    assert problems == []
    assert answers == {"url": "u", "title": "t", "tags": "a, b", "cited_by": "c d"}
    request = intake.request_from_body(3, body(url="u", title="t", tags="a, b", cited_by="c d"))
    assert (request.tags, request.cited_by) == (("a", "b"), ("c", "d"))
    assert set(LABELS) == {"url", "title", "type", "tags", "cited_by", "relevance"}


@pytest.fixture
def served() -> Iterator[recorded.Recorded]:
    yield from recorded.serving()


def test_a_title_left_empty_comes_from_the_page(
    make_registry: MakeRegistry,
    served: recorded.Recorded,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RESREG_CACHE_DIR", str(tmp_path / "http-cache"))
    root = make_registry({})
    recorded.write_config(root, served.base)
    served.routes["/report"] = recorded.html(
        "<html><head><title>The page's own `title` and $(x)</title></head>"
        "<body><p>Some text.</p></body></html>"
    )
    result, summary = run(root, event(body(url=f"{served.base}/report")))
    assert result.exit_code == 0, result.output
    record = yaml.safe_load((root / result.stdout.strip()).read_text())
    assert record["title"] == "The page's own `title` and $(x)"
    assert "Title: The page's own `title` and $(x)" in shown(summary)
    served.routes["/blank"] = recorded.html("<html><body><p>no title here</p></body></html>")
    result, summary = run(root, event(body(url=f"{served.base}/blank")))
    assert result.exit_code == 1
    assert shown(summary)[-1] == intake.NO_TITLE
