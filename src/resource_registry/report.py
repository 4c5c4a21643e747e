"""Reporters: the same findings rendered for people, for programs and for GitHub.

A reporter returns text and never prints; the CLI decides where the text goes. Data
(paths, messages that quote values, URLs, server replies) is untrusted: every reporter
escapes what a terminal could act on (:func:`safetext.for_terminal`), and the JSON ones
write such characters as ``\\u`` escapes, which is the same data.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Final, get_args

from resource_registry.base.codes import RULES
from resource_registry.base.findings import Finding, Severity
from resource_registry.base.safetext import for_terminal, json_for_terminal
from resource_registry.record.constraints import FetchVerdict
from resource_registry.registry.validate import Report

if TYPE_CHECKING:
    from resource_registry.edit.legacy_import import ImportSummary
    from resource_registry.linkcheck.outcomes import LinkReport
    from resource_registry.sources.checkmeta import MetadataReport
    from resource_registry.sources.enrich import EnrichReport

JSON_FORMAT_VERSION: Final = 1
GITHUB_ANNOTATIONS_PER_SEVERITY: Final = 10


def render_text(report: Report) -> str:
    """``path:line:col: CODE message``, a hint line where there is one, then a summary."""
    base = "".join(line + "\n" for line in _history_base(report))
    return render_findings(report.findings) + base + _summary(report) + "\n"


def render_findings(findings: Iterable[Finding]) -> str:
    """``path:line:col: CODE message`` and a hint line where there is one, per finding."""
    lines: list[str] = []
    for item in findings:
        lines.append(f"{_where(item)}: {item.code} {_label(item)}{for_terminal(item.message)}")
        if item.hint:
            lines.append(f"    hint: {for_terminal(item.hint)}")
    return "".join(line + "\n" for line in lines)


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
        "history_base": (
            {"ref": report.history_base.ref, "commit": report.history_base.commit}
            if report.history_base
            else None
        ),
    }
    return json_for_terminal(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"


def render_github(report: Report) -> str:
    """Workflow commands that annotate the first findings of each severity in the diff."""
    lines: list[str] = []
    for severity in (Severity.ERROR, Severity.WARNING):
        of_severity = [item for item in report.findings if item.severity is severity]
        for item in of_severity[:GITHUB_ANNOTATIONS_PER_SEVERITY]:
            properties = f"file={_property(for_terminal(item.path))}"
            if item.line:
                properties += f",line={item.line},col={item.col}"
            properties += f",title={_property(item.code)}"
            message = item.message + (f" (hint: {item.hint})" if item.hint else "")
            lines.append(f"::{severity.value} {properties}::{_data(for_terminal(message))}")
        if len(of_severity) > GITHUB_ANNOTATIONS_PER_SEVERITY:
            lines.append(
                f"{len(of_severity) - GITHUB_ANNOTATIONS_PER_SEVERITY} more "
                f"{severity.value}s are listed in the job summary"
            )
    lines += (_data(line) for line in _history_base(report))
    lines.append(_summary(report))
    return "\n".join(lines) + "\n"


def render_markdown_summary(report: Report) -> str:
    """Every finding as a Markdown table, for ``$GITHUB_STEP_SUMMARY``."""
    lines = ["## Registry validation", "", *_history_base(report), _summary(report), ""]
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
    path = for_terminal(item.path)
    return f"{path}:{item.line}:{item.col}" if item.line else path


def _label(item: Finding) -> str:
    return "warning: " if item.severity is Severity.WARNING else ""


def _history_base(report: Report) -> list[str]:
    """One line naming the commit that the history checks compared with, if any."""
    if report.history_base is None:
        return []
    base = report.history_base
    return [f"History checked against {base.commit[:12]}, the merge base of {base.ref} and HEAD."]


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
    return for_terminal(text).replace("|", "\\|")


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render_import_summary(into: Path, summary: ImportSummary, report: Report) -> str:
    """What an import brought in, what it kept aside, and what validation then found."""
    lines = [
        f"imported {summary.imported:,} resources from "
        f"{_plural(len(summary.records_per_file), 'file')} into {into}"
    ]
    lines += [f"  {name}: {count:,}" for name, count in summary.records_per_file.items()]
    lines.append(
        f"vocabularies: {summary.publications:,} publications, {summary.pages:,} pages, "
        f"{summary.tags:,} tags"
    )
    if summary.legacy_fields:
        kept = ", ".join(
            f"{for_terminal(name)} ({count:,})"
            for name, count in summary.legacy_fields.most_common()
        )
        lines.append(f"kept verbatim under `legacy`: {kept}")
    if summary.empty_lists:
        empty = ", ".join(
            f"{name} ({count:,})" for name, count in summary.empty_lists.most_common()
        )
        lines.append(f"empty lists left out (the same as no value): {empty}")
    if summary.fixes:
        fixed = ", ".join(f"{fix} ({count:,})" for fix, count in summary.fixes.most_common())
        lines.append(f"certain fixes applied, as `resreg fmt` makes them: {fixed}")
    lines.append(f"timestamps without a time zone, kept as written: {summary.unzoned_timestamps:,}")
    dates = summary.partial_dates
    lines.append(
        f"dates kept as written: {dates['year']:,} year only, {dates['year-month']:,} "
        f"year and month, {dates['full']:,} full"
    )
    lines.append(
        f"records sharing an id: {summary.duplicate_ids:,}; sharing a URL: "
        f"{summary.duplicate_urls:,} (all kept)"
    )
    lines.append(f"validation: {_summary(report)}")
    by_code = Counter(item.code for item in report.findings)
    lines += [
        f"  {code}  {count:6,}  {RULES[code].summary}" for code, count in sorted(by_code.items())
    ]
    return "\n".join(lines) + "\n"


def render_links_text(report: LinkReport) -> str:
    """Counts per verdict, then every link that is not plainly ok with its files, the
    drifted texts, and the archive lookups that failed."""
    counts = report.counts
    lines = [
        f"checked {report.checked:,} URLs ({report.skipped_fresh:,} files checked recently "
        "were skipped): "
        + ", ".join(f"{counts[v]:,} {v}" for v in _VERDICTS)
        + f"; {len(report.drifted):,} drifted"
    ]
    for url, outcome in sorted(report.notable.items()):
        where = ", ".join(sorted(report.files[url]))
        target = f" -> {outcome.final_url}" if outcome.final_url else ""
        detail = f" ({outcome.detail})" if outcome.detail else ""
        if url in report.archived:
            detail += f" (archived: {report.archived[url]})"
        line = f"{outcome.verdict:<10} {outcome.status:>3} {url}{target}{detail}  [{where}]"
        lines.append(for_terminal(line))
    for url, drift in sorted(report.drifted.items()):
        where = ", ".join(sorted(drift.files))
        copy = f" (archived: {report.archived[url]})" if url in report.archived else ""
        line = f"drifted    {drift.similarity:.2f} {url}{copy}  [{where}]"
        lines.append(for_terminal(line))
    lines.extend(
        for_terminal(f"unwritten  {path}: {why}") for path, why in sorted(report.unwritten.items())
    )
    lines.extend(
        for_terminal(f"no archive {url}: {why}")
        for url, why in sorted(report.archive_failures.items())
    )
    return "\n".join(lines) + "\n"


def render_links_json(report: LinkReport) -> str:
    """Counts per verdict and every link that is not plainly ok, with its files."""
    document = {
        "version": JSON_FORMAT_VERSION,
        "summary": {
            "checked": report.checked,
            "skipped_fresh": report.skipped_fresh,
            **{verdict: report.counts[verdict] for verdict in _VERDICTS},
            "drifted": len(report.drifted),
        },
        "links": [
            {
                "url": url,
                "files": sorted(report.files[url]),
                **outcome.fetch_block(),
                **({"detail": outcome.detail} if outcome.detail else {}),
                **({"archive_url": report.archived[url]} if url in report.archived else {}),
            }
            for url, outcome in sorted(report.notable.items())
        ],
        "drifted": [
            {
                "url": url,
                "files": sorted(drift.files),
                "similarity": drift.similarity,
                "fingerprint": drift.fingerprint,
                **(
                    {"first_fingerprint": drift.first_fingerprint}
                    if drift.first_fingerprint
                    else {}
                ),
                **({"archive_url": report.archived[url]} if url in report.archived else {}),
            }
            for url, drift in sorted(report.drifted.items())
        ],
        "archived": [
            {"url": url, "archive_url": copy} for url, copy in sorted(report.archived.items())
        ],
        "archive_failures": [
            {"url": url, "reason": why} for url, why in sorted(report.archive_failures.items())
        ],
        "unwritten": [
            {"path": path, "reason": why} for path, why in sorted(report.unwritten.items())
        ],
    }
    return json_for_terminal(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"


_VERDICTS: Final = get_args(FetchVerdict)


def render_enrich_text(report: EnrichReport, *, dry_run: bool) -> str:
    """The diffs (with --dry-run), the findings, then counts by field and source."""
    lines = [for_terminal(diff, line_breaks=True).rstrip("\n") for diff in report.diffs]
    text = "\n".join(lines) + ("\n" if lines else "") + render_findings(report.findings)
    verb = "would fill" if dry_run else "filled"
    summary = [
        f"{verb} {sum(report.filled.values()):,} fields in {len(report.changed):,} of "
        f"{report.files:,} files ({report.wanting:,} missed a field asked for)"
    ]
    for name, sources in report.by_field().items():
        shown = ", ".join(f"{source} {count:,}" for source, count in sources.items())
        summary.append(f"  {name:<15} {shown}")
    summary.extend(
        for_terminal(f"unwritten  {path}: {why}") for path, why in sorted(report.unwritten.items())
    )
    summary.append(_requests_line(report.requests, report.from_cache))
    return text + "\n".join(summary) + "\n"


def render_enrich_json(report: EnrichReport, *, dry_run: bool) -> str:
    document = {
        "version": JSON_FORMAT_VERSION,
        "dry_run": dry_run,
        "summary": {
            "files": report.files,
            "wanting": report.wanting,
            "changed": len(report.changed),
            "filled": report.by_field(),
            "requests": dict(sorted(report.requests.items())),
            "from_cache": report.from_cache,
        },
        "changed": sorted(report.changed),
        "diffs": report.diffs,
        "findings": [item.as_dict() for item in report.findings],
        "unwritten": [
            {"path": path, "reason": why} for path, why in sorted(report.unwritten.items())
        ],
    }
    return json_for_terminal(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"


def render_metadata_text(report: MetadataReport) -> str:
    compared = ", ".join(f"{count:,} {name}" for name, count in sorted(report.compared.items()))
    differing = sum(1 for item in report.findings if item.code in ("M001", "M002", "M003"))
    return (
        render_findings(sorted(report.findings))
        + f"compared {compared or 'nothing'} in {report.files:,} files: "
        + f"{_plural(differing, 'difference')}\n"
        + _requests_line(report.requests, report.from_cache)
        + "\n"
    )


def render_metadata_json(report: MetadataReport) -> str:
    document = {
        "version": JSON_FORMAT_VERSION,
        "summary": {
            "files": report.files,
            "compared": dict(sorted(report.compared.items())),
            "requests": dict(sorted(report.requests.items())),
            "from_cache": report.from_cache,
        },
        "findings": [item.as_dict() for item in sorted(report.findings)],
    }
    return json_for_terminal(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"


def _requests_line(requests: Counter[str], from_cache: int) -> str:
    hosts = ", ".join(f"{host} {count:,}" for host, count in sorted(requests.items()))
    total = sum(requests.values())
    return for_terminal(
        f"requests: {total:,}"
        + (f" ({hosts})" if hosts else "")
        + f"; {from_cache:,} answers from the cache"
    )
