"""Reporters: the same findings rendered for people, for programs and for GitHub.

A reporter returns text and never prints; the CLI decides where the text goes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Final

from resource_registry.findings import Finding, Severity
from resource_registry.validation import Report

JSON_FORMAT_VERSION: Final = 1
GITHUB_ANNOTATIONS_PER_SEVERITY: Final = 10


def render_text(report: Report) -> str:
    """``path:line:col: CODE message``, a hint line where there is one, then a summary."""
    lines: list[str] = []
    for item in report.findings:
        lines.append(f"{_where(item)}: {item.code} {_label(item)}{item.message}")
        if item.hint:
            lines.append(f"    hint: {item.hint}")
    lines.append(_summary(report))
    return "\n".join(lines) + "\n"


def render_json(report: Report) -> str:
    """A stable document: ``{"version", "summary", "findings": [...]}``; see the README."""
    document = {
        "version": JSON_FORMAT_VERSION,
        "summary": {
            "files_checked": report.files_checked,
            "errors": report.count(Severity.ERROR),
            "warnings": report.count(Severity.WARNING),
        },
        "findings": [item.as_dict() for item in report.findings],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_github(report: Report) -> str:
    """Workflow commands that annotate the first findings of each severity in the diff."""
    lines: list[str] = []
    for severity in (Severity.ERROR, Severity.WARNING):
        of_severity = [item for item in report.findings if item.severity is severity]
        for item in of_severity[:GITHUB_ANNOTATIONS_PER_SEVERITY]:
            properties = f"file={_property(item.path)}"
            if item.line:
                properties += f",line={item.line},col={item.col}"
            properties += f",title={_property(item.code)}"
            message = item.message + (f" (hint: {item.hint})" if item.hint else "")
            lines.append(f"::{severity.value} {properties}::{_data(message)}")
        if len(of_severity) > GITHUB_ANNOTATIONS_PER_SEVERITY:
            lines.append(
                f"{len(of_severity) - GITHUB_ANNOTATIONS_PER_SEVERITY} more "
                f"{severity.value}s are listed in the job summary"
            )
    lines.append(_summary(report))
    return "\n".join(lines) + "\n"


def render_markdown_summary(report: Report) -> str:
    """Every finding as a Markdown table, for ``$GITHUB_STEP_SUMMARY``."""
    lines = ["## Registry validation", "", _summary(report), ""]
    if report.findings:
        lines += ["| Severity | Code | Location | Message |", "|---|---|---|---|"]
        lines += [
            f"| {item.severity.value} | {item.code} | `{_where(item)}` | {_cell(item)} |"
            for item in report.findings
        ]
    return "\n".join(lines) + "\n"


REPORTERS: Final[dict[str, Callable[[Report], str]]] = {
    "text": render_text,
    "json": render_json,
    "github": render_github,
}


def _where(item: Finding) -> str:
    return f"{item.path}:{item.line}:{item.col}" if item.line else item.path


def _label(item: Finding) -> str:
    return "warning: " if item.severity is Severity.WARNING else ""


def _summary(report: Report) -> str:
    errors, warnings = report.count(Severity.ERROR), report.count(Severity.WARNING)
    files = len({item.path for item in report.findings})
    if not report.findings:
        return f"All good: {report.files_checked:,} files checked."
    return (
        f"{_plural(errors, 'error')} and {_plural(warnings, 'warning')} in "
        f"{_plural(files, 'file')} ({report.files_checked:,} files checked)."
    )


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def _cell(item: Finding) -> str:
    text = item.message + (f" — {item.hint}" if item.hint else "")
    return text.replace("|", "\\|").replace("\n", " ")


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
