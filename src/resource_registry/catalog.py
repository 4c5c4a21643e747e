"""Whole-catalog checks: uniqueness, retired identifiers and references.

They run over the compact :class:`~resource_registry.records.ResourceKey` of every file
that parsed, including files that failed their own checks, so one bad file never hides
a collision. Findings carry a pointer; the caller locates them in their files.
"""

from __future__ import annotations

import difflib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache

from resource_registry.layout import TOMBSTONES
from resource_registry.records import Pointer, ResourceKey
from resource_registry.redirects import resolve_all
from resource_registry.vocabulary import Vocabulary


@dataclass(frozen=True, slots=True)
class Issue:
    """A catalog finding before it is located: the file, the node and what is wrong."""

    path: str
    pointer: Pointer
    code: str
    message: str
    hint: str | None = None


def check_catalog(keys: Sequence[ResourceKey], vocabulary: Vocabulary) -> list[Issue]:
    issues: list[Issue] = []
    issues += _stable_id_problems(keys, vocabulary)
    issues += _id_problems(keys, vocabulary)
    issues += _url_problems(keys)
    issues += _reference_problems(keys, vocabulary)
    issues += _redirect_problems(keys, vocabulary)
    return issues


def _redirect_problems(keys: Sequence[ResourceKey], vocabulary: Vocabulary) -> Iterator[Issue]:
    live = {key.stable_id for key in keys if key.stable_id}
    redirects = resolve_all(vocabulary.tombstones, live)
    for index, stone in enumerate(vocabulary.tombstones):
        redirect = redirects.get(str(stone.get("stable_id")))
        if redirect is not None and redirect.broken:
            what = "a cycle" if redirect.broken == "cycle" else "an unknown or retired resource"
            yield Issue(
                TOMBSTONES,
                (index, "replaced_by"),
                "R006",
                f"`replaced_by` of {redirect.stable_id} leads to {what}: "
                + " → ".join((redirect.stable_id, *redirect.chain)),
                "point it at the live resource that replaced it",
            )


def _stable_id_problems(keys: Sequence[ResourceKey], vocabulary: Vocabulary) -> Iterator[Issue]:
    retired = {str(stone.get("stable_id", "")).lower() for stone in vocabulary.tombstones}
    for key in keys:
        if key.stable_id and key.stable_id.lower() in retired:
            yield Issue(
                key.path,
                ("stable_id",),
                "I004",
                f"stable_id `{key.stable_id}` belongs to a retired resource",
                "mint a new one with `resreg new`; retired IDs are never reused",
            )
    yield from _collisions(
        keys,
        lambda key: key.stable_id and key.stable_id.lower(),
        "stable_id",
        "I003",
        "stable ID (ignoring case)",
    )


def _id_problems(keys: Sequence[ResourceKey], vocabulary: Vocabulary) -> Iterator[Issue]:
    retired = {str(stone.get("id", "")) for stone in vocabulary.tombstones}
    for key in keys:
        if key.id and key.id in retired:
            yield Issue(
                key.path,
                ("id",),
                "I010",
                f"id `{key.id}` belongs to a retired resource",
                "a retired resource's URL cannot come back under a new stable ID",
            )
    yield from _collisions(keys, lambda key: key.id, "id", "I005", "id")


def _url_problems(keys: Sequence[ResourceKey]) -> Iterator[Issue]:
    exact = list(_collisions(keys, lambda key: key.url, "url", "I007", "URL"))
    yield from exact
    already = {issue.path for issue in exact}
    for group in _shared(keys, lambda key: key.normal_url).values():
        for key in group:
            if key.path not in already:
                others = _names(other.path for other in group if other is not key)
                yield Issue(
                    key.path,
                    ("url",),
                    "I008",
                    f"URL is the same resource as {others} after normalization",
                    "merge them with `resreg merge`, or keep both if they really differ",
                )


def _collisions(
    keys: Sequence[ResourceKey],
    value_of: Callable[[ResourceKey], str | None],
    field: str,
    code: str,
    what: str,
) -> Iterator[Issue]:
    groups = _shared(keys, value_of)
    for group in groups.values():
        for key in group:
            others = _names(other.path for other in group if other is not key)
            yield Issue(key.path, (field,), code, f"same {what} as {others}")


def _shared(
    keys: Sequence[ResourceKey], value_of: Callable[[ResourceKey], str | None]
) -> dict[str, list[ResourceKey]]:
    """Values held by more than one key, with those keys. Counting first keeps the common
    case (every value unique) to one pass in C."""
    values = [value_of(key) for key in keys]
    repeated = {value for value, count in Counter(values).items() if count > 1 and value}
    groups: dict[str, list[ResourceKey]] = defaultdict(list)
    if repeated:
        for key, value in zip(keys, values, strict=True):
            if value in repeated:
                groups[value].append(key)
    return groups


def _names(paths: Iterable[str], limit: int = 3) -> str:
    listed = sorted(paths)
    shown = ", ".join(f"`{path}`" for path in listed[:limit])
    return shown + (f" and {len(listed) - limit} more" if len(listed) > limit else "")


def _reference_problems(keys: Sequence[ResourceKey], vocabulary: Vocabulary) -> Iterator[Issue]:
    publications = _Suggester(frozenset(vocabulary.publications))
    pages = _Suggester(frozenset(vocabulary.pages))
    tags = _Suggester(frozenset(vocabulary.tags))
    for key in keys:
        if key.publication and key.publication not in vocabulary.publications:
            yield Issue(
                key.path,
                ("publication",),
                "R001",
                f"unknown publication `{key.publication}`",
                publications.hint(key.publication, "data/publications.yaml"),
            )
        for index, tag in enumerate(key.tags):
            if tag not in vocabulary.tags:
                canonical = vocabulary.tag_aliases.get(tag)
                hint = (
                    f"`{tag}` is an alias of `{canonical}`; `resreg fmt` rewrites it"
                    if canonical
                    else tags.hint(tag, "data/tags.yaml")
                )
                yield Issue(key.path, ("tags", index), "R002", f"unknown tag `{tag}`", hint)
        for index, page in enumerate(key.cited_by):
            if page not in vocabulary.pages:
                yield Issue(
                    key.path,
                    ("cited_by", index),
                    "R003",
                    f"unknown page `{page}`",
                    pages.hint(page, "data/pages.yaml"),
                )


class _Suggester:
    """ "Did you mean" over one vocabulary, memoized: typos repeat across files."""

    def __init__(self, known: frozenset[str]) -> None:
        self._known = sorted(known)
        self.hint = cache(self._hint)

    def _hint(self, value: str, file: str) -> str:
        close = difflib.get_close_matches(value, self._known, n=1, cutoff=0.75)
        if close:
            return f"did you mean `{close[0]}`?"
        return f"add it to `{file}` first"
