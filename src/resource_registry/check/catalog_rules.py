"""Whole-catalog checks: uniqueness, retired identifiers and references.

They run over the identity of every file that parsed, including files that failed their
own checks, so one bad file never hides a collision. The identities are held as columns
(:class:`KeyTable`): every check is a count or a set operation over a whole column, done
in C, and Python loops only over the values that are actually in trouble. Findings carry
a pointer; the caller locates them in their files.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import chain
from sys import intern

from resource_registry.base.findings import Finding, Pointer
from resource_registry.check.file_result import FileResult, ResourceKey, finding
from resource_registry.check.vocabulary import Vocabulary
from resource_registry.record.redirects import resolve_all


def issue(path: str, pointer: Pointer, code: str, message: str, hint: str | None = None) -> Finding:
    """A catalog finding before it is located: the file, the node and what is wrong
    (the caller gives it its line and column)."""
    return finding(path, code, message, hint=hint, pointer=pointer)


@dataclass(slots=True)
class KeyTable:
    """The identity of every resource file, one list per field ("" where absent).

    Tags, pages and publications come from small vocabularies and are interned, so that
    100,000 rows share a few hundred strings (in memory and in the cache)."""

    paths: list[str] = field(default_factory=list)
    stable_ids: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    normal_urls: list[str] = field(default_factory=list)
    publications: list[str] = field(default_factory=list)
    previous_urls: list[tuple[str, ...]] = field(default_factory=list)
    tags: list[tuple[str, ...]] = field(default_factory=list)
    cited_by: list[tuple[str, ...]] = field(default_factory=list)

    @classmethod
    def from_results(cls, results: Sequence[FileResult]) -> KeyTable:
        return cls.from_keys([r.path for r in results], [r.key for r in results])

    @classmethod
    def from_keys(cls, paths: Sequence[str], keys: Sequence[ResourceKey | None]) -> KeyTable:
        """The table of ``paths`` with their keys (built column by column, in C)."""
        table = cls(paths=list(paths))
        rows = [identity(key) for key in keys]
        for column, values in zip(_VALUE_COLUMNS, zip(*rows, strict=True), strict=False):
            setattr(table, column, list(values))
        return table

    def add(self, path: str, key: ResourceKey | None) -> None:
        """Append a file's row; a file without a key gets empty values."""
        self.paths.append(path)
        for column in _VALUE_COLUMNS:
            getattr(self, column).append(_EMPTY[column])
        self.set(len(self.paths) - 1, key)

    @classmethod
    def empty(cls, paths: Sequence[str]) -> KeyTable:
        """A table of empty rows for ``paths``."""
        return cls().taken(paths, [-1] * len(paths))

    def taken(self, paths: Sequence[str], rows: Sequence[int]) -> KeyTable:
        """A table for ``paths`` whose row i is this table's row ``rows[i]`` (-1: empty)."""
        table = KeyTable(paths=list(paths))
        for column in _VALUE_COLUMNS:
            values, empty = getattr(self, column), _EMPTY[column]
            setattr(table, column, [values[row] if row >= 0 else empty for row in rows])
        return table

    def set(self, row: int, key: ResourceKey | None) -> None:
        for column, value in zip(_VALUE_COLUMNS, identity(key), strict=True):
            getattr(self, column)[row] = value

    def identities(self) -> Iterator[Identity]:
        """Each row's values, as :func:`identity` gives them."""
        return zip(*(getattr(self, column) for column in _VALUE_COLUMNS), strict=True)

    def row(self, row: int) -> ResourceKey:
        return ResourceKey(
            self.paths[row], self.stable_ids[row] or None, self.ids[row] or None,
            self.urls[row] or None, self.normal_urls[row] or None, self.previous_urls[row],
            self.publications[row] or None, self.tags[row], self.cited_by[row],
        )  # fmt: skip

    def rows(self) -> list[ResourceKey]:
        return [self.row(index) for index in range(len(self.paths))]


@dataclass(frozen=True, slots=True)
class Checked:
    """The per-file part of a validation, as the catalog checks and the report use it:
    every file's findings, and the identity table of every file."""

    findings: list[Finding]
    table: KeyTable

    @classmethod
    def of(cls, results: Sequence[FileResult]) -> Checked:
        found = [item for result in results for item in result.findings]
        return cls(found, KeyTable.from_results(results))


@dataclass(frozen=True, slots=True)
class Identities:
    """The columns of a :class:`KeyTable` that lookups use."""

    paths: list[str]
    stable_ids: list[str]
    ids: list[str]
    urls: list[str]
    normal_urls: list[str]
    previous_urls: list[tuple[str, ...]]

    @classmethod
    def of(cls, table: KeyTable) -> Identities:
        return cls(**{name: getattr(table, name) for name in ("paths", *IDENTITY_COLUMNS)})


IDENTITY_COLUMNS = ("stable_ids", "ids", "urls", "normal_urls", "previous_urls")


_VALUE_COLUMNS = (
    "stable_ids",
    "ids",
    "urls",
    "normal_urls",
    "publications",
    "previous_urls",
    "tags",
    "cited_by",
)
_EMPTY: dict[str, object] = dict.fromkeys(_VALUE_COLUMNS[:5], "") | dict.fromkeys(
    _VALUE_COLUMNS[5:], ()
)
# A row's values, in the order of _VALUE_COLUMNS.
Identity = tuple[str, str, str, str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]
_NO_IDENTITY: Identity = ("", "", "", "", "", (), (), ())


def identity(key: ResourceKey | None) -> Identity:
    """A file's row in a :class:`KeyTable` (without its path); empty without a key."""
    if key is None:
        return _NO_IDENTITY
    return (
        key.stable_id or "",
        key.id or "",
        key.url or "",
        key.normal_url or "",
        intern(key.publication or ""),
        key.previous_urls,
        tuple(map(intern, key.tags)),
        tuple(map(intern, key.cited_by)),
    )


def check_catalog(table: KeyTable, vocabulary: Vocabulary) -> list[Finding]:
    lowered = _lowered(table.stable_ids)
    issues = list(_row_problems(table, vocabulary, lowered))
    issues += _collisions(table, lowered, "stable_id", "I003", "stable ID (ignoring case)")
    issues += _collisions(table, table.ids, "id", "I005", "id")
    issues += _url_problems(table)
    issues += _redirect_problems(table, vocabulary)
    return issues


def row_problems(table: KeyTable, vocabulary: Vocabulary) -> list[Finding]:
    """What each row says on its own against the vocabulary (see :func:`_row_problems`):
    the catalog's rules for records about to be written."""
    return list(_row_problems(table, vocabulary, _lowered(table.stable_ids)))


def _row_problems(table: KeyTable, vocabulary: Vocabulary, lowered: list[str]) -> Iterator[Finding]:
    """What each row's identity says on its own against the vocabulary: retired IDs and
    unknown references (``lowered``: the stable IDs in lower case)."""
    yield from _retired_problems(table, vocabulary, lowered)
    yield from _reference_problems(table, vocabulary)


def _retired_problems(
    table: KeyTable, vocabulary: Vocabulary, lowered: list[str]
) -> Iterator[Finding]:
    retired = {str(stone.get("stable_id", "")).lower() for stone in vocabulary.tombstones}
    for row in _rows_with(lowered, retired):
        yield issue(
            table.paths[row],
            ("stable_id",),
            "I004",
            f"stable_id `{table.stable_ids[row]}` belongs to a retired resource",
            "mint a new one with `resreg new`; retired IDs are never reused",
        )
    retired_ids = {str(stone.get("id", "")) for stone in vocabulary.tombstones}
    for row in _rows_with(table.ids, retired_ids):
        yield issue(
            table.paths[row],
            ("id",),
            "I010",
            f"id `{table.ids[row]}` belongs to a retired resource",
            "a retired resource's URL cannot come back under a new stable ID",
        )


def _lowered(column: list[str]) -> list[str]:
    """Every value lowercased: one C call for the whole column when no value hides a NUL."""
    joined = "\0".join(column)
    if joined.count("\0") != max(len(column) - 1, 0):
        return [value.lower() for value in column]
    return joined.lower().split("\0") if column else []


def _url_problems(table: KeyTable) -> Iterator[Finding]:
    exact = list(_collisions(table, table.urls, "url", "I007", "URL"))
    yield from exact
    already = {found.path for found in exact}
    for rows in _shared(table.normal_urls).values():
        for row in rows:
            path = table.paths[row]
            if path not in already:
                others = _names(table.paths[other] for other in rows if other != row)
                yield issue(
                    path,
                    ("url",),
                    "I008",
                    f"URL is the same resource as {others} after normalization",
                    "merge them with `resreg merge`, or keep both if they really differ",
                )


def _collisions(
    table: KeyTable, column: Sequence[str], field_name: str, code: str, what: str
) -> Iterator[Finding]:
    for rows in _shared(column).values():
        for row in rows:
            others = _names(table.paths[other] for other in rows if other != row)
            yield issue(table.paths[row], (field_name,), code, f"same {what} as {others}")


def _shared(column: Sequence[str]) -> dict[str, list[int]]:
    """Values held by more than one row, with those rows (empty values are no value).
    The common case, every value distinct, is told by a set in one pass in C; counting
    (a loop in Python over every value) is left to the case where some value repeats."""
    if len(set(column)) + max(column.count("") - 1, 0) == len(column):
        return {}
    repeated = {value for value, count in Counter(column).items() if count > 1 and value}
    groups: dict[str, list[int]] = defaultdict(list)
    for row in _rows_with(column, repeated):
        groups[column[row]].append(row)
    return groups


def _rows_with(column: Sequence[str], values: set[str]) -> list[int]:
    """Rows whose value is in ``values``; no Python loop when none is (the usual case)."""
    values = values - {""}
    if not values or values.isdisjoint(column):
        return []
    return [row for row, value in enumerate(column) if value in values]


def _names(paths: Iterable[str], limit: int = 3) -> str:
    listed = sorted(paths)
    shown = ", ".join(f"`{path}`" for path in listed[:limit])
    return shown + (f" and {len(listed) - limit} more" if len(listed) > limit else "")


def _reference_problems(table: KeyTable, vocabulary: Vocabulary) -> Iterator[Finding]:
    unknown = set(table.publications) - vocabulary.publications - {""}
    suggest = _Suggester(frozenset(vocabulary.publications))
    for row in _rows_with(table.publications, unknown):
        publication = table.publications[row]
        yield issue(
            table.paths[row],
            ("publication",),
            "R001",
            f"unknown publication `{publication}`",
            suggest.hint(publication, "data/publications.yaml"),
        )
    yield from _list_references(
        table, table.tags, vocabulary.tags, "tags", "R002", "tag", vocabulary.tag_aliases
    )
    yield from _list_references(
        table, table.cited_by, vocabulary.pages, "cited_by", "R003", "page", {}
    )


def _list_references(
    table: KeyTable,
    column: Sequence[tuple[str, ...]],
    known: set[str],
    field_name: str,
    code: str,
    what: str,
    aliases: dict[str, str],
) -> Iterator[Finding]:
    unknown = set(chain.from_iterable(column)) - known
    if not unknown:
        return
    suggest = _Suggester(frozenset(known))
    file = "data/tags.yaml" if field_name == "tags" else "data/pages.yaml"
    for row, values in enumerate(column):
        if unknown.isdisjoint(values):
            continue
        for index, value in enumerate(values):
            if value in unknown:
                canonical = aliases.get(value)
                hint = (
                    f"`{value}` is an alias of `{canonical}`; `resreg fmt` rewrites it"
                    if canonical
                    else suggest.hint(value, file)
                )
                yield issue(
                    table.paths[row], (field_name, index), code, f"unknown {what} `{value}`", hint
                )


def _redirect_problems(table: KeyTable, vocabulary: Vocabulary) -> Iterator[Finding]:
    if not vocabulary.tombstones:
        return
    redirects = resolve_all(vocabulary.tombstones, set(table.stable_ids) - {""})
    for stone in vocabulary.stones:
        redirect = redirects.get(str(stone.entry.get("stable_id")))
        if redirect is not None and redirect.broken:
            what = "a cycle" if redirect.broken == "cycle" else "an unknown or retired resource"
            yield issue(
                stone.path,
                (*stone.pointer, "replaced_by"),
                "R006",
                f"`replaced_by` of {redirect.stable_id} leads to {what}: "
                + " → ".join((redirect.stable_id, *redirect.chain)),
                "point it at the live resource that replaced it",
            )


class _Suggester:
    """ "Did you mean" over one vocabulary, memoized: typos repeat across files."""

    def __init__(self, known: frozenset[str]) -> None:
        self._known = sorted(known)
        self.hint = cache(self._hint)

    def _hint(self, value: str, file: str) -> str:
        import difflib  # noqa: PLC0415 - reason: only an unknown reference needs it

        close = difflib.get_close_matches(value, _candidates(value, self._known), n=1, cutoff=0.75)
        if close:
            return f"did you mean `{close[0]}`? Otherwise add it to `{file}` first"
        return f"add it to `{file}` first"


def _candidates(value: str, known: list[str]) -> list[str]:
    """The values difflib could find close to ``value``, found in C++ first: rapidfuzz's
    ratio counts the longest common subsequence, difflib's never more matches than that,
    so no value difflib would take is left out (cutoff a little lower, for rounding)."""
    from rapidfuzz import fuzz, process  # noqa: PLC0415 - reason: only unknown references need it

    found = process.extract(value, known, scorer=fuzz.ratio, score_cutoff=74.0, limit=None)
    return [candidate for candidate, _, _ in found]
