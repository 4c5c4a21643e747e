"""Checks on one resource file: its schema, identity and content.

Everything here sees a single file; :mod:`resource_registry.check.catalog_rules` sees them all. The
per-file result keeps only what the whole-catalog checks need, so that a registry of
100,000 files fits in little memory.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, NamedTuple

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from resource_registry.base import safetext
from resource_registry.base.codes import RULES
from resource_registry.base.findings import Finding, Pointer
from resource_registry.record import _derived, urls
from resource_registry.record.layout import (
    LEGACY_TOMBSTONES,
    PAGES,
    PUBLICATIONS,
    RESOURCES_DIR,
    TAGS,
    TOMBSTONES_DIR,
)
from resource_registry.record.parse_problems import problem
from resource_registry.record.positions import locate, node_at
from resource_registry.record.reader import Document
from resource_registry.record.salvage import salvage_identity
from resource_registry.record.scalars import core_scalar

if TYPE_CHECKING:
    from pydantic_core import SchemaValidator, ValidationError


ONE_LINE_FIELDS: Final = ("title", "relevance")
MULTI_LINE_FIELDS: Final = ("summary", "review", "abstract")
ONE_LINE_LISTS: Final = ("authors",)
MULTI_LINE_LISTS: Final = ("key_points",)
# fields whose text may hold line breaks (``legacy`` is kept verbatim, as it was written)
LINE_BREAKS_ALLOWED: Final = frozenset((*MULTI_LINE_FIELDS, *MULTI_LINE_LISTS, "legacy"))
UNIQUE_LISTS: Final = ("previous_urls", "authors", "labels", "key_points", "tags", "cited_by")

_HTML_ENTITY: Final = re.compile(r"&(?:#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});")
_DOMAIN_ONLY: Final = re.compile(r"(?:www\.)?(?:[a-z0-9-]+\.)+[a-z]{2,}/?", re.IGNORECASE)

_SCHEMA_CODES: Final = {
    "missing": "S001",
    "extra_forbidden": "S002",
    "string_pattern_mismatch": "S004",
    "literal_error": "S005",
    "enum": "S005",
    "greater_than": "S006",
    "greater_than_equal": "S006",
    "less_than": "S006",
    "less_than_equal": "S006",
    "string_too_short": "S007",
    "string_too_long": "S007",
    "too_short": "S007",
    "too_long": "S007",
}
_FORMAT_HINTS: Final = {
    "stable_id": "`sid_` followed by 10 letters or digits; `resreg new` mints one",
    "id": "16 lowercase hex digits: the start of sha256 of the URL",
    "url": "an absolute http(s) URL without spaces",
    "previous_urls": "an absolute http(s) URL without spaces",
    "published_date": "`YYYY`, `YYYY-MM` or `YYYY-MM-DD`, quoted",
    "retired": "`YYYY-MM-DD`, quoted",
    "checked_at": "`YYYY-MM-DDTHH:MM:SSZ`, quoted",
    "tags": "lowercase words joined by `-`",
    "cited_by": "lowercase words joined by `-`",
    "publication": "lowercase words joined by `-`",
}


class ResourceKey(NamedTuple):
    """What the whole-catalog checks need to know about one resource file."""

    path: str
    stable_id: str | None
    id: str | None
    url: str | None
    normal_url: str | None
    previous_urls: tuple[str, ...]
    publication: str | None
    tags: tuple[str, ...]
    cited_by: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FileResult:
    path: str
    findings: tuple[Finding, ...]
    key: ResourceKey | None


def finding(
    path: str,
    code: str,
    message: str,
    line: int = 0,
    col: int = 0,
    hint: str | None = None,
    *,
    pointer: Pointer = (),
) -> Finding:
    return Finding(path, line, col, code, RULES[code].severity, message, hint, pointer)


def placed(path: str, found: Finding) -> Finding:
    """A finding of the YAML reader's, placed in file ``path``."""
    return dataclasses.replace(found, path=path)


def check_resource(path: str, document: Document, today: dt.date) -> FileResult:
    """Run every per-file check on a parsed resource file whose path is ``path``."""
    found = [placed(path, warning) for warning in document.warnings]
    found += (placed(path, problem) for problem in cut_by_comments(document))
    data = document.data
    located = Locator(path, document.root)
    if not isinstance(data, dict):
        found.append(located.at("P010", (), "a resource file must be a YAML mapping"))
        return FileResult(path, tuple(found), None)
    found.extend(value_findings(located, data))
    schema = _resource_schema()
    try:
        schema.validator.validate_python(data)
    except schema.error as error:
        found.extend(schema_findings(located, error))
        return FileResult(path, tuple(found), _key(path, data, with_references=False))
    found.extend(located.each(_record_problems(path, data, today)))
    return FileResult(path, tuple(found), _key(path, data, with_references=True))


_PROSE_FIELDS: Final = frozenset(ONE_LINE_FIELDS + MULTI_LINE_FIELDS)
_PROSE_LISTS: Final = frozenset(ONE_LINE_LISTS + MULTI_LINE_LISTS)


def cut_by_comments(document: Document) -> Iterator[Finding]:
    """P017: a text field (or an item of a text list) written as a plain value and
    followed, after a single space, by a comment on its line (`summary: A # b` is "A").
    In prose a lone ` #` is more often text than a note. A note written as one is set
    off by two spaces or more (as `fmt` writes comments, and as linters ask), or sits
    on its own line; comments after any other field (ids, URLs, numbers, dates, tags),
    and after quoted or block values, are ordinary."""
    root = document.root
    if " #" not in document.text and "\t#" not in document.text:
        return
    if not isinstance(root, MappingNode):
        return
    for key, value in root.value:
        name = key.value if isinstance(key, ScalarNode) else None
        if name in _PROSE_FIELDS:
            nodes = [(str(name), value)]
        elif name in _PROSE_LISTS and isinstance(value, SequenceNode) and not value.flow_style:
            nodes = [(f"{name}[{index}]", item) for index, item in enumerate(value.value)]
        else:
            continue
        for where, node in nodes:
            if not isinstance(node, ScalarNode) or node.style:  # quoted or block: uncut
                continue
            rest = document.rest_of_line(node)
            if rest[:2] in (" #", "\t#"):
                yield problem(
                    "P017",
                    f"`{where}` ends where ` #` starts a comment: the rest of the line is "
                    "not part of the value",
                    node.end_mark.line + 1,
                    node.end_mark.column + 2,
                    "if the `#` belongs to the text, quote the whole value; if it is a "
                    "note, set it off with two spaces or put it on its own line",
                )


def key_of(path: str, data: Mapping[object, object]) -> ResourceKey:
    """A file's identity read without checking it (see :func:`_key`), for lookups."""
    return _key(path, data, with_references=True)


def resource_validator() -> SchemaValidator:
    """The schema of a resource record, from the generated core schema when it was made
    with the installed pydantic-core (then pydantic itself is never loaded), else built
    by pydantic from the models."""
    return _resource_schema().validator


class _Schema(NamedTuple):
    validator: SchemaValidator
    error: type[ValidationError]


@functools.cache
def _resource_schema() -> _Schema:
    # pydantic-core is imported on first use (about 50 ms): commands that only read
    # identities never load it
    import pydantic_core  # noqa: PLC0415 - reason: see above

    return _Schema(core_validator("resource"), pydantic_core.ValidationError)


def core_validator(name: str) -> SchemaValidator:
    """The validator of one of ``models.ADAPTERS`` (``"resource"``, ``"tags"``...): from
    the generated core schema when it was made with the installed pydantic-core (then
    pydantic itself is never loaded), else built by pydantic from the models."""
    import pydantic_core  # noqa: PLC0415 - reason: imported on first use, as above

    if pydantic_core.__version__ == _derived.PYDANTIC_CORE_VERSION:
        return pydantic_core.SchemaValidator(_derived.CORE_SCHEMAS[name])
    from resource_registry.record.models import ADAPTERS  # noqa: PLC0415 - reason: pydantic

    return pydantic_core.SchemaValidator(ADAPTERS[name].core_schema)


class Locator:
    """Turns (code, pointer, message, hint) into a located finding for one file."""

    def __init__(self, path: str, root: Node) -> None:
        self.path = path
        self.root = root

    def at(
        self,
        code: str,
        pointer: Pointer,
        message: str,
        hint: str | None = None,
        *,
        on_key: bool = False,
    ) -> Finding:
        line, col = locate(self.root, pointer, on_key=on_key)
        return finding(self.path, code, message, line, col, hint)

    def each(self, problems: Iterator[tuple[str, Pointer, str, str | None]]) -> Iterator[Finding]:
        for code, pointer, message, hint in problems:
            yield self.at(code, pointer, message, hint)


def value_findings(located: Locator, data: object) -> Iterator[Finding]:
    """The character rules of :mod:`resource_registry.base.safetext`, on every string and key."""
    problems = safetext.value_problems(data, multi_line=LINE_BREAKS_ALLOWED)
    for code, pointer, message, hint, on_key in problems:
        yield located.at(code, pointer, message, hint, on_key=on_key)


def schema_findings(
    located: Locator, error: ValidationError, *, drop: int = 0
) -> Iterator[Finding]:
    """One finding per schema error, located at the offending node, with a hint on how to
    write the value where the usual mistake is known; ``drop`` leading parts of each
    error's location are left out (a file validated as a list of one)."""
    for detail in error.errors(include_url=False, include_context=True, include_input=False):
        pointer: Pointer = tuple(detail["loc"])[drop:]
        kind = detail["type"]
        code = _SCHEMA_CODES.get(kind, "S003")
        where = pointer_text(pointer)
        if kind == "missing":
            yield located.at(code, pointer[:-1], f"missing required field `{pointer[-1]}`")
        elif kind == "extra_forbidden":
            yield located.at(
                code,
                pointer,
                f"unknown field `{pointer[-1]}`",
                _unknown_field_hint(located.path, pointer),
                on_key=True,
            )
        else:
            message = detail["msg"]
            field = next((part for part in reversed(pointer) if isinstance(part, str)), "")
            node = node_at(located.root, pointer)
            if code == "S004":
                hint = _FORMAT_HINTS.get(field)
            elif code == "S005":
                hint = _closest_hint(node, detail.get("ctx", {}).get("expected", ""))
            elif code == "S003":
                hint = _type_hint(kind, pointer, node)
            else:
                hint = None
            yield located.at(code, pointer, f"`{where}`: {message[0].lower()}{message[1:]}", hint)


# The record type of each vocabulary file's entries, and the schema that describes it
# (`schemas/<name>.schema.json`); anything else is a resource.
ENTRY_TYPES: Final = {
    PUBLICATIONS: ("Publication", "publications"),
    PAGES: ("Page", "pages"),
    TAGS: ("Tag", "tags"),
    LEGACY_TOMBSTONES: ("Tombstone", "tombstones"),
}


def _unknown_field_hint(path: str, pointer: Pointer) -> str:
    """Did you mean, among the fields of the mapping that holds the unknown one."""
    if path.startswith(TOMBSTONES_DIR + "/"):
        model, schema_name = ("Tombstone", "tombstones")
    else:
        model, schema_name = ENTRY_TYPES.get(path, ("Resource", "resource"))
    if model == "Resource" and [part for part in pointer[:-1] if isinstance(part, str)] == [
        "fetch"
    ]:
        model = "Fetch"
    fields = _derived.FIELD_ORDER[model]
    schema = f"schemas/{schema_name}.schema.json"
    close = difflib.get_close_matches(str(pointer[-1]).lower(), fields, n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`? (`{schema}` describes every field)"
    return f"the fields are {', '.join(f'`{name}`' for name in fields)} (see `{schema}`)"


_ALLOWED: Final = re.compile(r"'([^']*)'")


def _closest_hint(node: Node | None, expected: str) -> str | None:
    """Did you mean, among the allowed values (`Blog` is `blog`)."""
    if not isinstance(node, ScalarNode) or not expected:
        return None
    allowed = _ALLOWED.findall(expected)
    value = node.value
    same = [choice for choice in allowed if choice.lower() == value.strip().lower()]
    close = same or difflib.get_close_matches(value.lower(), allowed, n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None


def _type_hint(kind: str, pointer: Pointer, node: Node | None) -> str | None:
    """How to write a value YAML read as the wrong type: a number meant as text is
    quoted, a number written in quotes loses them."""
    if not isinstance(node, ScalarNode):
        return None
    lead = f"{pointer[-1]}: " if isinstance(pointer[-1], str) else "- "
    if (
        kind == "string_type"
        and not node.style
        and isinstance(core_scalar(node.value), int | float)
    ):
        return f"YAML reads `{node.value}` as a number; quote it: `{lead}'{node.value}'`"
    if kind == "int_type" and node.style in ("'", '"') and _WHOLE_NUMBER.fullmatch(node.value):
        return f"a number is written without quotes: `{lead}{int(node.value)}`"
    return None


_WHOLE_NUMBER: Final = re.compile(r"[-+]?[0-9]+")


def schema_code(kind: str) -> str:
    """The finding code of a pydantic-core error type (``missing`` is S001...)."""
    return _SCHEMA_CODES.get(kind, "S003")


def pointer_text(pointer: Pointer) -> str:
    text = ""
    for part in pointer:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(top level)"


ProblemStream = Iterator[tuple[str, Pointer, str, str | None]]


def unfiled_record_problems(record: Mapping[str, object], today: dt.date) -> ProblemStream:
    """The per-record rules on a schema-valid record that is in no file (a dataset's): every
    rule but the file name's, which the record's own stable ID decides."""
    return _record_problems(shard_path(str(record["stable_id"])), record, today)


def _record_problems(path: str, record: Mapping[str, object], today: dt.date) -> ProblemStream:
    yield from _identity_problems(path, record)
    yield from _url_problems(record)
    yield from _date_problems(record, today)
    yield from _text_problems(record)
    yield from _duplicate_items(record)
    yield from _title_problems(str(record["title"]))


def _identity_problems(path: str, record: Mapping[str, object]) -> ProblemStream:
    stable_id = str(record["stable_id"])
    folder, _, name = path.rpartition("/")
    if name != f"{stable_id}.yaml":
        yield (
            "I001",
            ("stable_id",),
            f"stable_id `{stable_id}` does not match the file name `{name}`",
            f"rename the file to `{stable_id}.yaml`",
        )
    expected = shard_path(stable_id)
    if folder != expected.rpartition("/")[0]:
        yield (
            "I002",
            ("stable_id",),
            f"file belongs in `{expected.rpartition('/')[0]}/`",
            f"move it to `{expected}`",
        )
    recorded = [str(record["url"]), *_strings(record.get("previous_urls"))]
    if str(record["id"]) not in {urls.resource_id(url) for url in recorded}:
        yield (
            "I006",
            ("id",),
            f"id `{record['id']}` is not the hash of `url` or of a previous URL",
            "the id is permanent: restore the URL it was made from, or, if the URL was "
            "corrected, keep the old one in `previous_urls`",
        )


def shard_path(stable_id: str) -> str:
    """Where a resource file lives, relative to the registry root."""
    return f"{RESOURCES_DIR}/{stable_id[4:6].lower()}/{stable_id}.yaml"


def _url_problems(record: Mapping[str, object]) -> ProblemStream:
    located_urls: list[tuple[Pointer, str]] = [(("url",), str(record["url"]))]
    for index, url in enumerate(_strings(record.get("previous_urls"))):
        located_urls.append((("previous_urls", index), url))
    for pointer, url in located_urls:
        match urls.shape_problem(url):
            case "credentials":
                yield (
                    "C007",
                    pointer,
                    "URL contains credentials",
                    "remove the `user:password@` part",
                )
            case "not-web":
                yield ("C008", pointer, f"`{url}` is not an absolute http(s) URL with a host", None)
            case None:
                yield from _host_problems(pointer, url)


def _host_problems(pointer: Pointer, url: str) -> ProblemStream:
    match urls.host_problem(url):
        case "numeric-host":
            yield (
                "C011",
                pointer,
                "the URL's host is an IP address in a non-canonical form",
                "write the address as four decimal numbers (`127.0.0.1`), or use the host name",
            )
        case "private-host":
            yield (
                "C012",
                pointer,
                "the URL's host is not a public address",
                "cite a URL that readers can reach; `check-links` does not fetch this one",
            )


# The only finding that depends on the day of the run: a date after it. A date that is
# not in the future stays so, so other results hold on every later day (the cache
# relies on this).
IN_THE_FUTURE: Final = "C002"


def _date_problems(record: Mapping[str, object], today: dt.date) -> ProblemStream:
    if isinstance(published := record.get("published_date"), str):
        yield from date_problems(("published_date",), published, today)
    fetch = record.get("fetch")
    if isinstance(fetch, dict) and isinstance(checked := fetch.get("checked_at"), str):
        yield from _timestamp_problems(("fetch", "checked_at"), checked, today)


def _timestamp_problems(pointer: Pointer, text: str, today: dt.date) -> ProblemStream:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        yield ("C001", pointer, f"`{text}` is not a real time", None)
        return
    if moment.date() > today:
        yield _in_the_future(pointer, text, today)


def date_problems(pointer: Pointer, text: str, today: dt.date) -> ProblemStream:
    """A partial date (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`) must exist and not be in the future."""
    parts = [int(part) for part in text.split("-")]
    year, month, day = [*parts, 1, 1][:3]
    try:
        dt.date(year, month, day)
    except ValueError:
        yield ("C001", pointer, f"`{text}` is not a real date", None)
        return
    if tuple(parts) > (today.year, today.month, today.day)[: len(parts)]:
        yield _in_the_future(pointer, text, today)


def _in_the_future(
    pointer: Pointer, text: str, today: dt.date
) -> tuple[str, Pointer, str, str | None]:
    return (IN_THE_FUTURE, pointer, f"`{text}` is in the future", f"today is {today.isoformat()}")


def _text_problems(record: Mapping[str, object]) -> ProblemStream:
    for field in ONE_LINE_FIELDS + MULTI_LINE_FIELDS:
        if isinstance(value := record.get(field), str):
            yield from text_problems((field,), value)
    for field in ONE_LINE_LISTS + MULTI_LINE_LISTS:
        for index, item in enumerate(_strings(record.get(field))):
            yield from text_problems((field, index), item)


def text_problems(pointer: Pointer, text: str) -> ProblemStream:
    if not text.strip():
        yield ("C003", pointer, f"`{pointer_text(pointer)}` is blank", "remove the field")
        return
    if text != text.strip():
        yield (
            "C005",
            pointer,
            f"`{pointer_text(pointer)}` has leading or trailing whitespace",
            "`resreg fmt` trims it",
        )


def _duplicate_items(record: Mapping[str, object]) -> ProblemStream:
    for field in UNIQUE_LISTS:
        items = record.get(field)
        if not isinstance(items, list) or len(items) == len(set(items)):
            continue
        seen: set[object] = set()
        for index, item in enumerate(items):
            if item in seen:
                yield (
                    "C004",
                    (field, index),
                    f"`{field}` lists `{item}` twice",
                    "`resreg fmt` removes the repeat",
                )
            seen.add(item)


def _title_problems(title: str) -> ProblemStream:
    if entity := _HTML_ENTITY.search(title):
        yield (
            "C006",
            ("title",),
            f"title contains the HTML entity `{entity.group()}`",
            f"write the character itself instead of `{entity.group()}`",
        )
    if _DOMAIN_ONLY.fullmatch(title.strip()):
        yield (
            "C010",
            ("title",),
            f"title `{title}` is only a domain name",
            "use the page's real title",
        )


def _strings(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _string(value: object) -> str | None:
    return value if isinstance(value, str) else None


_STABLE_ID_FILE_NAME: Final = re.compile(r"(sid_[0-9A-Za-z]{10})\.yaml")


def salvaged_key(path: str, data: bytes) -> ResourceKey | None:
    """The identity still readable from a file that does not parse (or is not a
    mapping): the stable ID from its name, and `url` and `id` from their own lines
    (:func:`loading.salvage_identity`). It keeps the file's identifiers taken: lookups find
    it, `new` refuses its URL, and no redirect to it looks broken. None when nothing can
    be read."""
    named = _STABLE_ID_FILE_NAME.fullmatch(path.rpartition("/")[2])
    lines = salvage_identity(data)
    if named is None and not lines:
        return None
    url = lines.get("url")
    return ResourceKey(
        path=path,
        stable_id=named.group(1) if named else None,
        id=lines.get("id"),
        url=url,
        normal_url=urls.normalize(url) if url else None,
        previous_urls=(),
        publication=None,
        tags=(),
        cited_by=(),
    )


def _key(path: str, data: Mapping[object, object], *, with_references: bool) -> ResourceKey:
    """Best-effort identity of a file, even one that failed its schema, so that collisions
    are still found. References are kept only from valid records: a value the schema
    already rejected would be reported twice."""
    url = _string(data.get("url"))
    return ResourceKey(
        path=path,
        stable_id=_string(data.get("stable_id")),
        id=_string(data.get("id")),
        url=url,
        normal_url=urls.normalize(url) if url else None,
        previous_urls=tuple(_strings(data.get("previous_urls"))),
        publication=_string(data.get("publication")) if with_references else None,
        tags=tuple(_strings(data.get("tags"))) if with_references else (),
        cited_by=tuple(_strings(data.get("cited_by"))) if with_references else (),
    )
