"""A dataset is checked before it is used: ``site --from`` and ``publish --from`` read
folders that anyone may have written, checksums included (they prove that files match
their manifest, not who wrote either). Every record passes the rules a resource file
passes (schema, values, identity, URLs), every vocabulary entry and tombstone its schema,
and every ID that becomes a file name is unique; anything else refuses the whole dataset
with findings, before anything is written.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from resource_registry.base import safetext
from resource_registry.base.codes import RULES
from resource_registry.base.errors import FindingsError
from resource_registry.base.findings import Finding, Pointer, Severity
from resource_registry.base.safetext import int64, windows_reserved
from resource_registry.check.content_rules import IN_THE_FUTURE, LINE_BREAKS_ALLOWED
from resource_registry.check.file_result import pointer_text
from resource_registry.check.file_rules import unfiled_record_problems
from resource_registry.check.schema_rules import core_validator, schema_code
from resource_registry.check.vocabulary import reserved_name
from resource_registry.record.constraints import ID_PATTERN, STABLE_ID_PATTERN
from resource_registry.release.dataset import Dataset, DatasetError, load_all
from resource_registry.release.formats import GIT_DATE_COLUMNS

if TYPE_CHECKING:
    from pydantic_core import SchemaValidator, ValidationError

RESOURCES: Final = "resources.jsonl"
VOCABULARIES: Final = ("publications", "pages", "tags", "tombstones")
# a date after the run's day does no harm in a dataset made earlier, on another clock
_NOT_CHECKED: Final = frozenset({IN_THE_FUTURE})
GIT_DATES: Final = tuple(column.name for column in GIT_DATE_COLUMNS)
_GIT_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")

Record = dict[str, Any]
Problem = tuple[str, Pointer, str, str | None]  # code, where, message, hint


class UntrustedDataset(DatasetError, FindingsError):
    """A dataset that holds what validation refuses: nothing is built from it."""


def load_checked(folder: Path, today: dt.date | None = None) -> Dataset:
    """The dataset in ``folder``, once its checksums hold and every record and entry
    passes :func:`dataset_findings`; :class:`UntrustedDataset` (listing the findings)
    otherwise."""
    try:
        data = load_all(folder)
    except (ValueError, UnicodeDecodeError) as error:  # not JSON, or an integer too long
        raise DatasetError(f"{folder} holds a file that is not valid JSON ({error})") from None
    require_valid(
        data.resources,
        {name: getattr(data, name) for name in VOCABULARIES},
        today,
        manifest=data.manifest,
        redirects=data.redirects,
    )
    return data


def require_valid(
    resources: Sequence[object],
    vocabularies: Mapping[str, Sequence[object]],
    today: dt.date | None = None,
    *,
    manifest: object = None,
    redirects: object = None,
) -> None:
    """Raise :class:`UntrustedDataset` if the dataset's parts hold any error."""
    found = dataset_findings(
        resources,
        vocabularies,
        today or dt.datetime.now(dt.UTC).date(),
        manifest=manifest,
        redirects=redirects,
    )
    errors = [item for item in found if item.severity is Severity.ERROR]
    if errors:
        raise UntrustedDataset(
            f"the dataset holds {len(errors):,} errors that validation refuses; "
            "nothing was written",
            errors,
        )


def dataset_findings(
    resources: Sequence[object],
    vocabularies: Mapping[str, Sequence[object]],
    today: dt.date,
    *,
    manifest: object = None,
    redirects: object = None,
) -> list[Finding]:
    """Every problem of the dataset's records, entries, identities and tables."""
    found: list[Finding] = []
    for line, record in enumerate(resources, start=1):
        found += _resource_findings(line, record, today)
    for name in VOCABULARIES:
        found += _entries_findings(name, vocabularies.get(name, []))
    found += _identity_findings(resources, vocabularies.get("tombstones", []))
    found += _reference_findings(resources, vocabularies)
    if manifest is not None:
        found += _manifest_findings(manifest)
    if redirects is not None:
        found += _redirect_findings(redirects)
    return found


def _resource_findings(line: int, record: object, today: dt.date) -> list[Finding]:
    if not isinstance(record, dict):
        return [_at(RESOURCES, line, "P010", (), "a resource record must be a JSON object")]
    stable_id = record.get("stable_id")
    where = f"{stable_id}: " if isinstance(stable_id, str) and stable_id.isascii() else ""
    problems: list[Problem] = list(_git_date_problems(record))
    # the release's own columns are not fields of a resource file
    record = {key: value for key, value in record.items() if key not in GIT_DATES}
    problems += _number_problems(record)
    problems += [
        (code, pointer, message, hint)
        for code, pointer, message, hint, _ in safetext.value_problems(
            record, multi_line=LINE_BREAKS_ALLOWED
        )
    ]
    validator, error_type = _validator("resource")
    try:
        validator.validate_python(record)
    except error_type as error:
        problems += _schema_problems(error)
    else:
        problems += [
            problem
            for problem in unfiled_record_problems(record, today)
            if problem[0] not in _NOT_CHECKED
        ]
    return [
        _at(RESOURCES, line, code, pointer, where + message, hint)
        for code, pointer, message, hint in problems
    ]


def _git_date_problems(record: Mapping[str, object]) -> Iterator[Problem]:
    for name in GIT_DATES:
        value = record.get(name)
        if value is not None and not (isinstance(value, str) and _GIT_DATE.fullmatch(value)):
            yield ("S003", (name,), f"`{name}` is not a UTC time (`YYYY-MM-DDTHH:MM:SSZ`)", None)


def _entries_findings(name: str, entries: object) -> list[Finding]:
    path = f"{name}.json"
    if not isinstance(entries, list):
        return [_at(path, 0, "P010", (), f"`{path}` must be a JSON array of entries")]
    problems: list[Problem] = list(_number_problems(entries))
    problems += [
        (code, pointer, message, hint)
        for code, pointer, message, hint, _ in safetext.value_problems(entries)
    ]
    validator, error_type = _validator(name)
    try:
        validator.validate_python(entries)
    except error_type as error:
        problems += _schema_problems(error)
    if name != "tombstones":  # their IDs are stable IDs, which no device name matches
        problems += [
            reserved_name((index, "id"), entry["id"])
            for index, entry in enumerate(entries)
            if isinstance(entry, dict)
            and isinstance(entry.get("id"), str)
            and windows_reserved(entry["id"])
        ]
    return [_at(path, 0, code, pointer, message, hint) for code, pointer, message, hint in problems]


def _identity_findings(resources: Sequence[object], stones: Sequence[object]) -> list[Finding]:
    """Stable IDs, ignoring case, and resource IDs name files of the site: two records
    with one name would overwrite each other's page."""
    found = []
    stable_ids = Counter(
        value.casefold()
        for record in [*resources, *stones]
        if isinstance(record, dict) and isinstance(value := record.get("stable_id"), str)
    )
    ids = Counter(
        value
        for record in resources
        if isinstance(record, dict) and isinstance(value := record.get("id"), str)
    )
    for value, count in sorted(stable_ids.items()):
        if count > 1:
            message = f"stable ID `{value}` (ignoring case) is held by {count} records"
            found.append(_at(RESOURCES, 0, "I003", (), message))
    for value, count in sorted(ids.items()):
        if count > 1:
            found.append(_at(RESOURCES, 0, "I005", (), f"id `{value}` is held by {count} records"))
    return found


_REFERENCES: Final = (  # field, vocabulary, code
    ("publication", "publications", "R001"),
    ("tags", "tags", "R002"),
    ("cited_by", "pages", "R003"),
)


def _reference_findings(
    resources: Sequence[object], vocabularies: Mapping[str, Sequence[object]]
) -> list[Finding]:
    """Every tag, page and publication a record names is in its vocabulary (whose ids
    are checked as file names above)."""
    known = {
        name: {
            entry["id"]
            for entry in entries
            if isinstance(entry, dict) and isinstance(entry.get("id"), str)
        }
        for name in ("publications", "tags", "pages")
        if isinstance(entries := vocabularies.get(name, []), list)
    }
    found = []
    for line, record in enumerate(resources, start=1):
        if not isinstance(record, dict):
            continue
        for field, vocabulary, code in _REFERENCES:
            value = record.get(field)
            values = value if isinstance(value, list) else [] if value is None else [value]
            for item in values:
                if isinstance(item, str) and item not in known.get(vocabulary, set()):
                    message = f"{ascii(item)[:40]} is not in {vocabulary}.json"
                    found.append(_at(RESOURCES, line, code, (field,), message))
    return found


def _manifest_findings(manifest: object) -> list[Finding]:
    if not isinstance(manifest, dict):
        return [_at("manifest.json", 0, "P010", (), "the manifest must be a JSON object")]
    problems: list[tuple[str, Pointer, str]] = [
        ("S003", (key,), "must be text")
        for key in ("dataset_version", "source_commit")
        if not isinstance(manifest.get(key, ""), str)
    ]
    if not isinstance(manifest.get("source_dirty", False), bool):
        problems.append(("S003", ("source_dirty",), "must be true or false"))
    problems += [
        (code, pointer, message)
        for code, pointer, message, _, _ in safetext.value_problems(
            {key: manifest.get(key) for key in ("dataset_version", "source_commit")}
        )
    ]
    return [_at("manifest.json", 0, code, pointer, message) for code, pointer, message in problems]


def _redirect_findings(redirects: object) -> list[Finding]:
    if not isinstance(redirects, dict):
        return [_at("redirects.json", 0, "P010", (), "redirects must be a JSON object")]
    key = re.compile(f"{STABLE_ID_PATTERN}|{ID_PATTERN}")
    target = re.compile(STABLE_ID_PATTERN)
    found = []
    for name, successor in redirects.items():
        if not key.fullmatch(name) or not (
            successor is None or (isinstance(successor, str) and target.fullmatch(successor))
        ):
            shown = ascii(name)[:40]
            message = f"redirect {shown} is not from an ID to a stable ID or null"
            found.append(_at("redirects.json", 0, "S004", (), message))
    return found


def _number_problems(data: object, pointer: Pointer = ()) -> Iterator[Problem]:
    """Integers within the signed 64-bit range, floats finite: the rule validation applies
    to YAML (P014, P015), which JSON parsers leave to the reader."""
    if isinstance(data, bool):
        return
    if isinstance(data, int) and not int64(data):
        yield ("P014", pointer, "the integer is outside the signed 64-bit range", None)
    elif isinstance(data, float) and not math.isfinite(data):
        yield ("P015", pointer, f"the number {data} is not finite", None)
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _number_problems(value, (*pointer, str(key)))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from _number_problems(item, (*pointer, index))


def _schema_problems(error: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    for detail in error.errors(include_url=False, include_input=False):
        pointer: Pointer = tuple(detail["loc"])
        message = detail["msg"]
        problems.append((schema_code(detail["type"]), pointer, message, None))
    return problems


@cache
def _validator(name: str) -> tuple[SchemaValidator, type[ValidationError]]:
    import pydantic_core  # noqa: PLC0415 - reason: loaded only when a dataset is checked

    return core_validator(name), pydantic_core.ValidationError


def _at(
    path: str, line: int, code: str, pointer: Pointer, message: str, hint: str | None = None
) -> Finding:
    if pointer:  # a dataset's JSON has no positions to point at: the message says where
        message = f"`{pointer_text(pointer)}`: {message}"
    return Finding(path, line, 0, code, RULES[code].severity, message, hint)
