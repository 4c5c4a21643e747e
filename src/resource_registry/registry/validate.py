"""The validation pipeline: discover, read, parse, check each file, check the catalog.

Each file is checked on its own (in worker processes when the registry is large), so a
file that cannot be read or parsed is reported and never stops the others. Findings are
data; :mod:`resource_registry.report` renders them.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from resource_registry.base import git as gitrepo
from resource_registry.base.codes import RULES
from resource_registry.base.errors import UsageError
from resource_registry.base.findings import Finding, Severity
from resource_registry.base.parallel import map_chunks
from resource_registry.cache import files as cachefile
from resource_registry.cache import listing as worktree
from resource_registry.cache.results import CachedRun, cached_catalog, run_with_cache
from resource_registry.check import tombstones
from resource_registry.check.catalog_rules import (
    Issue,
    KeyTable,
    check_catalog,
    problems_of_additions,
)
from resource_registry.check.file_rules import (
    FileResult,
    check_resource,
    finding,
    from_problem,
    key_of,
    salvaged_key,
)
from resource_registry.check.history import check_history
from resource_registry.check.vocabulary import load_vocabulary
from resource_registry.record import layout
from resource_registry.record.reader import Document, Problem, locate, read_document


@dataclass(frozen=True, slots=True)
class Options:
    """What to check and report. ``select``/``ignore`` hold codes or code prefixes."""

    paths: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    jobs: int | None = None
    cache: bool = True
    base: str | None = None
    today: dt.date = field(default_factory=lambda: dt.datetime.now(dt.UTC).date())


@dataclass(frozen=True, slots=True)
class HistoryBase:
    """What the history checks compared with: the merge base of ``ref`` and HEAD."""

    ref: str
    commit: str


@dataclass(frozen=True, slots=True)
class Report:
    findings: list[Finding]
    files_checked: int
    notes: list[str] = field(default_factory=list, compare=False)
    history_base: HistoryBase | None = None

    def count(self, severity: Severity) -> int:
        return sum(1 for item in self.findings if item.severity is severity)


def validate(root: Path, options: Options | None = None) -> Report:
    """Check the registry at ``root``; the report holds only the selected findings."""
    options = options or Options()
    _check_codes(options.select + options.ignore)
    wanted = _path_filter(root, options.paths)
    history_base = None
    if options.base is not None:  # before the work: a bad ref is a usage error
        history_base = HistoryBase(options.base, gitrepo.merge_base(root, options.base))
    run = file_results(root, options)
    vocabulary_findings, catalog = _catalog_results(root, run, options, history_base)
    found = list(run.findings)
    found += (_stray_finding(root, path) for path in run.strays)
    found += vocabulary_findings
    selected = [item for item in found if _is_selected(item.code, options) and wanted(item.path)]
    issues = [
        issue for issue in catalog if _is_selected(issue.code, options) and wanted(issue.path)
    ]
    selected += _locate_issues(root, issues)
    selected = list(dict.fromkeys(selected))  # a linked `data` stands in the way of every file
    files = run.files + len(layout.VOCABULARY_FILES) + len(tombstones.discover(root).resources)
    return Report(sorted(selected), files, run.notes, history_base)


def _stray_finding(root: Path, path: str) -> Finding:
    if layout.linked_part(root, path):
        return layout.link_finding(root, path)
    return finding(
        path,
        "I009",
        "not a resource file (resource files are `<stable_id>.yaml`, regular files, not links)",
    )


def _catalog_results(
    root: Path, run: CachedRun, options: Options, history_base: HistoryBase | None
) -> tuple[list[Finding], list[Issue]]:
    """The vocabulary files' findings and the whole-catalog (and history) issues; from
    the cache when neither the identity table nor the vocabulary files changed."""
    if history_base is None and run.table_digest is not None:
        return cached_catalog(
            root,
            options.today,
            run.table_digest,
            _vocabulary_files(root),
            lambda: _check_catalog(root, run.table, options.today),
            growth=run.growth,
            brought=lambda added, held: problems_of_additions(
                added, load_vocabulary(root, options.today), run.probe, held
            ),
        )
    vocabulary = load_vocabulary(root, options.today)
    catalog = check_catalog(run.table, vocabulary)
    if history_base is not None:
        keys = [key for key in run.table.rows() if key.stable_id or key.id or key.url]
        catalog += check_history(root, history_base.commit, keys, vocabulary.stones)
    return vocabulary.findings, catalog


def _check_catalog(
    root: Path, table: KeyTable, today: dt.date
) -> tuple[list[Finding], list[Issue]]:
    """The vocabulary files' findings and the whole-catalog issues."""
    vocabulary = load_vocabulary(root, today)
    return vocabulary.findings, check_catalog(table, vocabulary)


def _vocabulary_files(root: Path) -> bytes:
    """The content of every vocabulary file (or why it cannot be read): what, with the
    identity table, decides the whole-catalog checks."""
    parts = []
    for path in layout.VOCABULARY_FILES:
        try:
            content = b"link" if layout.linked_part(root, path) else layout.read_capped(root / path)
        except OSError as error:
            content = f"unreadable: {error.errno}".encode()
        parts.append(len(content).to_bytes(8, "big") + content)
    return b"".join(parts) + tombstones.snapshot(root)


def file_results(
    root: Path,
    options: Options,
    *,
    save_cache: bool = True,
    keys_only: bool = False,
    preload: Sequence[str] = (),
) -> CachedRun:
    """Per-file results for every resource file, from the cache where valid. With
    ``keys_only`` (for lookups, which must not save the cache), files the cache cannot
    answer for are only read for their identity (:func:`read_keys`), not checked.
    ``preload`` names the identity columns the caller will want (see
    :func:`cache.run_with_cache`)."""
    check: Callable[[Sequence[str]], list[FileResult]]
    if keys_only:
        check = partial(read_keys, root)
    else:
        check = partial(check_files, root, today=options.today, jobs=options.jobs)
    if linked := layout.linked_part(root, layout.RESOURCES_DIR):
        # a linked `data` or `data/resources` is never read, nor listed by git
        return CachedRun([], 0, [linked], KeyTable.empty([]))
    if not options.cache:
        discovered = layout.discover(root)
        results = check(discovered.resources)
        findings = [item for result in results for item in result.findings]
        table = KeyTable.from_results(results)
        return CachedRun(findings, len(discovered.resources), discovered.strays, table)
    # git lists the files (or the changes since the cache's anchor) while the cache loads
    pending = worktree.begin(root, signatures=True, anchor=cachefile.anchor(root))
    return run_with_cache(root, options.today, pending, check, save=save_cache, preload=preload)


def check_file(root: Path | str, path: str, today: dt.date) -> FileResult:
    """Read, parse and check one resource file, isolating every failure to this file."""
    try:
        data = layout.read_capped(os.path.join(root, path))
    except OSError as error:
        unread = finding(path, "P001", f"cannot read file: {error.strerror}")
        return FileResult(path, (unread,), salvaged_key(path, b""))
    parsed = read_document(data)
    if not isinstance(parsed, Document):
        problems = tuple(from_problem(path, problem) for problem in parsed)
        return FileResult(path, problems, salvaged_key(path, data))
    result = check_resource(path, parsed, today)
    if result.key is None:  # not a mapping: its name still holds its stable ID
        return FileResult(path, result.findings, salvaged_key(path, data))
    return result


def read_keys(root: Path, paths: Sequence[str]) -> list[FileResult]:
    """The identity of each file, read without checking it (no findings)."""
    results = []
    for path in paths:
        try:
            raw = layout.read_capped(os.path.join(root, path))
        except OSError:
            raw = b""
        parsed = read_document(raw) if raw else []
        data = parsed.data if isinstance(parsed, Document) else None
        key = key_of(path, data) if isinstance(data, dict) else salvaged_key(path, raw)
        results.append(FileResult(path, (), key))
    return results


def check_files(
    root: Path, paths: Sequence[str], today: dt.date, jobs: int | None = None
) -> list[FileResult]:
    """Per-file results for ``paths``, in order."""
    return map_chunks(partial(_check_chunk, str(root), today), paths, jobs)


def _check_chunk(root: str, today: dt.date, paths: Sequence[str]) -> list[FileResult]:
    return [check_file(root, path, today) for path in paths]


def _locate_issues(root: Path, issues: Iterable[Issue]) -> list[Finding]:
    """Give catalog findings their line and column, parsing each involved file once more."""
    by_path: dict[str, list[Issue]] = defaultdict(list)
    for issue in issues:
        by_path[issue.path].append(issue)
    located: list[Finding] = []
    for path, file_issues in by_path.items():
        try:
            parsed: Document | list[Problem] = read_document(layout.read_capped(root / path))
        except OSError:  # a deleted file (history checks) has no lines to point at
            parsed = []
        for issue in file_issues:
            line, col = (
                locate(parsed.root, issue.pointer) if isinstance(parsed, Document) else (0, 0)
            )
            located.append(finding(path, issue.code, issue.message, line, col, issue.hint))
    return located


def _check_codes(patterns: Iterable[str]) -> None:
    for pattern in patterns:
        if not any(code.startswith(pattern.upper()) for code in RULES):
            raise UsageError(f"`{pattern}` matches no rule code; `resreg rules` lists them")


def _is_selected(code: str, options: Options) -> bool:
    if options.select and not code.startswith(tuple(p.upper() for p in options.select)):
        return False
    return not code.startswith(tuple(p.upper() for p in options.ignore))


def _path_filter(root: Path, paths: Sequence[str]) -> _PathFilter:
    prefixes: list[str] = []
    for raw in paths:
        target = Path(raw).resolve()
        if not target.exists():
            raise UsageError(f"`{raw}` does not exist")
        try:
            prefixes.append(target.relative_to(root.resolve()).as_posix())
        except ValueError:
            raise UsageError(f"`{raw}` is outside the registry at {root}") from None
    return _PathFilter(tuple(prefixes))


@dataclass(frozen=True, slots=True)
class _PathFilter:
    """Keeps findings for the named files and folders; keeps everything when none is named."""

    prefixes: tuple[str, ...]

    def __call__(self, path: str) -> bool:
        if not self.prefixes:
            return True
        return any(
            prefix in (".", path) or path.startswith(prefix.rstrip("/") + "/")
            for prefix in self.prefixes
        )
