"""The validation pipeline: discover, read, parse, check each file, check the catalog.

Each file is checked on its own (in worker processes when the registry is large), so a
file that cannot be read or parsed is reported and never stops the others. Findings are
data; :mod:`resource_registry.report` renders them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from resource_registry.base import git as gitrepo
from resource_registry.base.codes import RULES
from resource_registry.base.errors import UsageError
from resource_registry.base.findings import Finding, Severity
from resource_registry.base.parallel import map_chunks
from resource_registry.cache import results as cache
from resource_registry.check import tombstones
from resource_registry.check.catalog_rules import Checked, KeyTable, check_catalog
from resource_registry.check.file_result import FileResult, finding, placed
from resource_registry.check.file_rules import check_resource
from resource_registry.check.history import check_history
from resource_registry.check.identity import key_of, salvaged_key
from resource_registry.check.vocabulary import load_vocabulary
from resource_registry.record import layout
from resource_registry.record.positions import locate
from resource_registry.record.reader import Document, read_document


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


@dataclass(frozen=True, slots=True)
class FileRun:
    """The per-file part of a validation: every resource file's findings and identity,
    and the strays."""

    checked: Checked
    strays: list[str]
    notes: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, results: Sequence[FileResult], strays: list[str]) -> FileRun:
        return cls(Checked.of(results), strays)


def validate(root: Path, options: Options | None = None) -> Report:
    """Check the registry at ``root``; the report holds only the selected findings."""
    options = options or Options()
    _check_codes(options.select + options.ignore)
    wanted = _path_filter(root, options.paths)
    history_base = None
    if options.base is not None:  # before the work: a bad ref is a usage error
        history_base = HistoryBase(options.base, gitrepo.merge_base(root, options.base))
    with file_results(root, options) as run:  # the cache is saved meanwhile
        return report_of(root, run, options, wanted, history_base)


def report_of(
    root: Path,
    run: FileRun,
    options: Options,
    wanted: Callable[[str], bool] = lambda _: True,
    history_base: HistoryBase | None = None,
    read: Callable[[Sequence[str]], Mapping[str, bytes]] | None = None,
) -> Report:
    """The report of per-file results ``run`` of the registry at ``root`` (whose other
    files are read there; ``read`` gives a resource file's bytes, by default from
    ``root``): the whole-catalog checks run over every row, every time."""
    vocabulary = load_vocabulary(root, options.today)
    table = run.checked.table
    catalog = check_catalog(table, vocabulary)
    if history_base is not None:
        keys = [key for key in table.rows() if key.stable_id or key.id or key.url]
        catalog += check_history(root, history_base.commit, keys, vocabulary.stones)
    found = list(run.checked.findings)
    found += (_stray_finding(root, path) for path in run.strays)
    found += vocabulary.findings
    selected = [item for item in found if _is_selected(item.code, options) and wanted(item.path)]
    issues = [
        issue for issue in catalog if _is_selected(issue.code, options) and wanted(issue.path)
    ]
    selected += _locate_issues(read or partial(_read_at, root), issues)
    selected = list(dict.fromkeys(selected))  # a linked `data` stands in the way of every file
    files = len(table.paths) + len(layout.VOCABULARY_FILES)
    files += len(tombstones.discover(root).resources)
    return Report(sorted(selected), files, run.notes, history_base)


def _read_at(root: Path, paths: Sequence[str]) -> dict[str, bytes]:
    """The bytes of each path that can be read (a deleted file has no lines)."""
    found = {}
    for path in paths:
        with contextlib.suppress(OSError):
            found[path] = layout.read_capped(root / path)
    return found


def _stray_finding(root: Path, path: str) -> Finding:
    if layout.linked_part(root, path):
        return layout.link_finding(root, path)
    return finding(
        path,
        "I009",
        "not a resource file (resource files are `<stable_id>.yaml`, regular files, not links)",
    )


@contextlib.contextmanager
def file_results(root: Path, options: Options) -> Iterator[FileRun]:
    """Per-file results for every resource file, from the cache where valid; the
    cache saves fresh ones while the block runs."""
    if linked := layout.linked_part(root, layout.RESOURCES_DIR):
        # a linked `data` or `data/resources` is never read
        yield FileRun.of([], [linked])
        return
    discovered = layout.discover(root, signatures=options.cache)
    if not options.cache:
        results = check_files(root, discovered.resources, options.today, options.jobs)
        yield FileRun.of(results, discovered.strays)
        return
    notes: list[str] = []
    check = partial(_check_chunk, str(root), options.today)
    with cache.results(root, options.today, discovered, check, notes, options.jobs) as saved:
        yield FileRun(saved.checked(), discovered.strays, notes)


def identities(root: Path, *, use_cache: bool = True) -> KeyTable:
    """The identity of every resource file (empty rows for files that do not parse):
    with the cache, as :func:`file_results` has them (a file it lacks is checked and
    saved, so the next lookup and validation find it); without, read unchecked."""
    if layout.linked_part(root, layout.RESOURCES_DIR):  # nothing is read through a link
        return KeyTable()
    discovered = layout.discover(root, signatures=use_cache)
    if not use_cache:
        return KeyTable.from_results(read_keys(root, discovered.resources))
    today = Options().today
    check = partial(_check_chunk, str(root), today)
    with cache.results(root, today, discovered, check, []) as saved:
        return saved.table


def check_file(root: Path | str, path: str, today: dt.date) -> FileResult:
    """Read, parse and check one resource file, isolating every failure to this file."""
    return _checked(root, path, today)[1]


def _checked(root: Path | str, path: str, today: dt.date) -> tuple[str, FileResult]:
    """The object id of the bytes read (empty if none could be) and their result."""
    data = _read(root, path)
    if isinstance(data, FileResult):
        return "", data
    return cache.blob_id(data), check_content(path, data, today)


def _read(root: Path | str, path: str) -> bytes | FileResult:
    """The bytes of ``path``, or the result of a file that cannot be read."""
    try:
        return layout.read_capped(os.path.join(root, path))
    except OSError as error:
        unread = finding(path, "P001", f"cannot read file: {error.strerror}")
        return FileResult(path, (unread,), salvaged_key(path, b""))


def check_content(path: str, data: bytes, today: dt.date) -> FileResult:
    """Parse and check the bytes of resource file ``path``."""
    return _checked_record(path, data, today)[0]


def _checked_record(
    path: str, data: bytes, today: dt.date
) -> tuple[FileResult, dict[str, Any] | None]:
    """The result of the bytes of ``path``, and the record they hold (None when they do
    not parse into a mapping)."""
    parsed = read_document(data)
    if not isinstance(parsed, Document):
        problems = tuple(placed(path, problem) for problem in parsed)
        return FileResult(path, problems, salvaged_key(path, data)), None
    result = check_resource(path, parsed, today)
    if result.key is None:  # not a mapping: its name still holds its stable ID
        return FileResult(path, result.findings, salvaged_key(path, data)), None
    return result, parsed.data if isinstance(parsed.data, dict) else None


def validate_records(
    root: Path, options: Options | None = None
) -> tuple[Report, list[dict[str, Any]]]:
    """Validate without the cache, and keep the records that were checked: each resource
    file is read and parsed once, so what a release holds is exactly what passed (a
    file edited after its check cannot slip in) and no file is parsed twice."""
    options = replace(options or Options(), cache=False)
    _check_codes(options.select + options.ignore)
    if linked := layout.linked_part(root, layout.RESOURCES_DIR):
        return report_of(root, FileRun.of([], [linked]), options), []
    discovered = layout.discover(root)
    checked = map_chunks(
        partial(_record_chunk, str(root), options.today), discovered.resources, options.jobs
    )
    run = FileRun.of([result for result, _ in checked], discovered.strays)
    records = [record for _, record in checked if record is not None]
    return report_of(root, run, options), records


def _record_chunk(
    root: str, today: dt.date, paths: Sequence[str]
) -> list[tuple[FileResult, dict[str, Any] | None]]:
    checked: list[tuple[FileResult, dict[str, Any] | None]] = []
    for path in paths:
        data = _read(root, path)
        checked.append(
            (data, None) if isinstance(data, FileResult) else _checked_record(path, data, today)
        )
    return checked


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
    checked = map_chunks(partial(_check_chunk, str(root), today), paths, jobs)
    return [result for _, result in checked]


def _check_chunk(root: str, today: dt.date, paths: Sequence[str]) -> list[tuple[str, FileResult]]:
    """Each file's object id (of the bytes checked) and result, in order."""
    return [_checked(root, path, today) for path in paths]


def check_contents(
    contents: Sequence[tuple[str, bytes]], today: dt.date, jobs: int | None = None
) -> list[FileResult]:
    """Per-file results for (path, bytes) pairs, in order."""
    return map_chunks(partial(_content_chunk, today), contents, jobs)


def _content_chunk(today: dt.date, contents: Sequence[tuple[str, bytes]]) -> list[FileResult]:
    return [check_content(path, data, today) for path, data in contents]


def _locate_issues(
    read: Callable[[Sequence[str]], Mapping[str, bytes]], issues: Iterable[Finding]
) -> list[Finding]:
    """Give catalog findings their line and column from their pointers, parsing each
    involved file once more."""
    by_path: dict[str, list[Finding]] = defaultdict(list)
    for found in issues:
        by_path[found.path].append(found)
    located: list[Finding] = []
    contents = read(list(by_path))  # all at once: from git, one process
    for path, file_issues in by_path.items():
        # a deleted file (history checks) has no lines to point at
        data = contents.get(path)
        parsed: Document | list[Finding] = [] if data is None else read_document(data)
        for found in file_issues:
            line, col = (
                locate(parsed.root, found.pointer) if isinstance(parsed, Document) else (0, 0)
            )
            located.append(replace(found, line=line, col=col))
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
