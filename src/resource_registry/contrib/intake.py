"""``resreg new --from-issue EVENT.json``: a resource suggested with the issue form.

The event is a GitHub ``issues`` payload; its issue's body is the Markdown that GitHub
writes from the form: a ``### Label`` heading per field (the labels of
:data:`issueform.FIELDS`), then the answer, ``_No response_`` for a field left empty.
The answers become the arguments of ``new``, and go through exactly its path
(:func:`authoring.new_resource`: certain fixes, every validation rule, refusal of a URL
already recorded). The issue's text is data: nothing here interprets it, so ``$(…)``
and backticks stay literal characters; line breaks, control, bidirectional and
invisible characters are refused by the text rules every field obeys
(:mod:`resource_registry.base.safetext`); and every output escapes it
(:mod:`resource_registry.contrib.markup`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from resource_registry.base.errors import UsageError
from resource_registry.base.findings import Finding, Severity
from resource_registry.contrib import markup
from resource_registry.contrib.issueform import FIELDS, NO_RESPONSE, labels
from resource_registry.edit.authoring import NewResource
from resource_registry.record._derived import RESOURCE_TYPES
from resource_registry.record.reader import Document, read_document

# Marks the issue comment that the intake workflow edits in place.
COMMENT_MARKER: Final = "<!-- resreg-intake -->"
NO_TITLE: Final = (
    "the issue gives no title, and the page does not give one: fill in the Title field"
)
MAX_EVENT_BYTES: Final = 1024 * 1024  # an issue body holds at most 65,536 characters
_HEADING: Final = re.compile(r"^###[ \t]+(.*?)[ \t]*$")
_LIST_SEPARATORS: Final = re.compile(r"[,\s]+")
_UNCHOSEN: Final = frozenset({NO_RESPONSE, "None"})  # "None": an optional dropdown


@dataclass(frozen=True, slots=True)
class Request:
    """What an issue asks for, as the arguments of ``new``; ``problems`` in plain words
    when it cannot be asked (no URL, an unknown type, a section twice). A title or type
    left empty is None: the page's own metadata gives it, as for ``new`` without them."""

    issue: int
    url: str
    title: str | None
    type_: str | None
    tags: tuple[str, ...]
    cited_by: tuple[str, ...]
    relevance: str | None
    problems: tuple[str, ...] = ()


def read_event(data: bytes) -> Request:
    """The request in a GitHub ``issues`` event payload; UsageError when the payload is
    not one (the workflow, not the contributor, is then at fault)."""
    if len(data) > MAX_EVENT_BYTES:
        raise UsageError(f"the event file is larger than {MAX_EVENT_BYTES:,} bytes")
    try:
        event = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UsageError(f"the event file is not JSON: {error}") from None
    issue = event.get("issue") if isinstance(event, dict) else None
    if not isinstance(issue, dict) or not _is_number(issue.get("number")):
        raise UsageError("the event file is not a GitHub `issues` event (no issue number)")
    body = issue.get("body")
    return request_from_body(int(issue["number"]), body if isinstance(body, str) else "")


def _is_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def request_from_body(number: int, body: str) -> Request:
    """The answers of the issue form in ``body``."""
    answers, problems = sections(body)
    url = answers.get("url", "")
    title, type_ = answers.get("title") or None, answers.get("type") or None
    if not url:
        problems.append("the issue gives no URL: fill in the URL field")
    if type_ is not None and type_ not in RESOURCE_TYPES:
        problems.append(f"the type is not one of {', '.join(RESOURCE_TYPES)}")
    return Request(
        number,
        url,
        title,
        type_,
        _list(answers.get("tags", "")),
        _list(answers.get("cited_by", "")),
        answers.get("relevance") or None,
        tuple(problems),
    )


def sections(body: str) -> tuple[dict[str, str], list[str]]:
    """Each form field's answer by field id, and the problems found: a field whose
    heading appears twice is refused, whichever answer was meant. A heading ends the
    section before it; headings that name no field start no section."""
    by_label = labels(FIELDS)
    lines: dict[str, list[str]] = {}
    twice: list[str] = []
    current: list[str] | None = None
    for line in body.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        heading = _HEADING.match(line)
        if heading is None:
            if current is not None:
                current.append(line)
            continue
        field = by_label.get(heading[1])
        current = None
        if field is None:
            continue
        if field in lines:
            twice.append(f"the issue has more than one `{heading[1]}` section")
            continue
        current = lines[field] = []
    answers = {field: "\n".join(text).strip() for field, text in lines.items()}
    answers = {field: value for field, value in answers.items() if value not in _UNCHOSEN}
    return answers, twice


def _list(answer: str) -> tuple[str, ...]:
    """Ids chosen in a dropdown (``a, b``) or typed with commas or spaces between."""
    return tuple(item for item in _LIST_SEPARATORS.split(answer) if item)


# --- the account for the issue comment --------------------------------------------------


def refused_markdown(request: Request, problems: Sequence[str]) -> str:
    """Why nothing was added, in plain words, for the issue comment."""
    lines = [
        COMMENT_MARKER,
        "**The resource was not added.** Edit the issue to fix what is listed below; the "
        "check runs again when you save.",
        "",
        *(f"- {markup.text(problem, limit=1000)}" for problem in problems),
    ]
    return "\n".join(lines) + "\n"


def findings_in_plain_words(findings: Sequence[Finding]) -> list[str]:
    return [
        f"{item.message}" + (f" (to fix it: {item.hint})" if item.hint else "")
        for item in findings
        if item.severity is Severity.ERROR
    ]


def outcome_markdown(root: Path, request: Request, made: NewResource) -> str:
    """What ``new`` made of the request, for the issue comment."""
    if made.path is None:
        return refused_markdown(request, findings_in_plain_words(made.findings))
    relative = made.path.relative_to(root).as_posix()
    lines = [
        COMMENT_MARKER,
        "**The resource passed every check.**",
        "",
        f"- Title: {markup.text(_written_title(made.path), limit=1000)}",
        f"- URL: {markup.code(request.url, limit=1000)}",
        f"- File: {markup.code(relative)}",
    ]
    warnings = [item for item in made.findings if item.severity is Severity.WARNING]
    if warnings or made.fixes:
        lines += ["", "Worth a look before merging:", ""]
        lines += [f"- fixed: {markup.text(fix)}" for fix in made.fixes]
        lines += [f"- {markup.text(item.message)}" for item in warnings]
    return "\n".join(lines) + "\n"


def _written_title(path: Path) -> object:
    """The title in the file ``new`` wrote: the issue's, or the page's own."""
    parsed = read_document(path.read_bytes())
    return (
        parsed.data.get("title")
        if isinstance(parsed, Document) and isinstance(parsed.data, dict)
        else None
    )
