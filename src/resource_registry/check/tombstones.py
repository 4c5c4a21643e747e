"""Tombstones: one file per retired resource, ``data/tombstones/<xx>/<stable_id>.yaml``.

Laid out like resource files (same shard rule), so that two changes that each retire or
merge a resource add two different files and never conflict. Each file holds one
mapping, a :class:`~resource_registry.record.models.Tombstone`.

Registries made before this layout hold every tombstone in one list,
``data/tombstones.yaml``. For one release it is still read, beside the new folder, and
validation warns (I014) until ``resreg migrate-tombstones`` has split it.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from yaml.nodes import Node

from resource_registry.base.errors import UsageError
from resource_registry.base.findings import Finding, Pointer
from resource_registry.base.fsutil import atomic_write
from resource_registry.check.content_rules import date_problems, value_findings
from resource_registry.check.file_result import Locator, finding, placed
from resource_registry.check.schema_rules import core_validator, schema_findings
from resource_registry.record import layout
from resource_registry.record.positions import locate
from resource_registry.record.reader import Document, read_document
from resource_registry.record.writer import order_for, render

if TYPE_CHECKING:
    from pydantic_core import SchemaValidator, ValidationError

FOLDER: Final = layout.TOMBSTONES_DIR
LEGACY_FILE: Final = layout.LEGACY_TOMBSTONES
_MIGRATE_HINT: Final = (
    "run `resreg migrate-tombstones`: it writes one file per tombstone under "
    "`data/tombstones/` and removes this one (commit both in one change)"
)


def tombstone_path(stable_id: str) -> str:
    """Where a tombstone file lives, relative to the registry root (the resources' shard
    rule: the two characters after ``sid_``, lowercased)."""
    return f"{FOLDER}/{stable_id[4:6].lower()}/{stable_id}.yaml"


@dataclass(frozen=True, slots=True)
class Stone:
    """A tombstone as found: its file, where it is in that file (``()`` for a tombstone
    file, ``(index,)`` in the old single file) and its entry."""

    path: str
    pointer: Pointer
    entry: dict[str, Any]
    node: Node | None = field(default=None, compare=False, repr=False)


def discover(root: Path) -> layout.Discovered:
    """Every file under ``data/tombstones`` (none when the folder is absent)."""
    if not (root / FOLDER).is_dir() or layout.linked_part(root, FOLDER):
        return layout.Discovered([], [])
    return layout.discover(root, FOLDER)


def read_all(root: Path) -> list[dict[str, Any]]:
    """Every tombstone that is a mapping, unvalidated (validation checks the rest), in
    order of stable ID: the tombstone files, then the old single file's entries."""
    return [stone.entry for stone in _read_stones(root)]


def _read_stones(root: Path) -> list[Stone]:
    stones = []
    for path in discover(root).resources:
        parsed = _parse(root, path)
        if isinstance(parsed, Document) and isinstance(parsed.data, dict):
            stones.append(Stone(path, (), parsed.data))
    return stones + _legacy_stones(root)


def _legacy_stones(root: Path) -> list[Stone]:
    parsed = _parse(root, LEGACY_FILE)
    if not isinstance(parsed, Document) or not isinstance(parsed.data, list):
        return []
    return [
        Stone(LEGACY_FILE, (index,), entry)
        for index, entry in enumerate(parsed.data)
        if isinstance(entry, dict)
    ]


def _parse(root: Path, path: str) -> Document | list[Any]:
    if layout.linked_part(root, path):
        return []
    try:
        return read_document(layout.read_capped(root / path))
    except OSError:
        return []


def stones_of(files: Mapping[str, bytes]) -> list[Stone]:
    """The tombstones held by some files' contents (tombstone files, or the old single
    file), as :func:`read_all` reads them: for history checks, which read a commit."""
    stones: list[Stone] = []
    for path, data in sorted(files.items()):
        parsed = read_document(data)
        if not isinstance(parsed, Document):
            continue
        if path == LEGACY_FILE and isinstance(parsed.data, list):
            stones += [
                Stone(path, (index,), entry)
                for index, entry in enumerate(parsed.data)
                if isinstance(entry, dict)
            ]
        elif path != LEGACY_FILE and isinstance(parsed.data, dict):
            stones.append(Stone(path, (), parsed.data))
    return stones


def snapshot(root: Path) -> bytes:
    """Every tombstone file's path and content (or why it cannot be read): what, with the
    vocabulary files, decides the whole-catalog checks."""
    found = discover(root)
    parts = [f"linked:{layout.linked_part(root, FOLDER)}:strays:{found.strays}".encode()]
    for path in [*found.resources, LEGACY_FILE]:
        try:
            content = b"" if layout.linked_part(root, path) else layout.read_capped(root / path)
        except OSError as error:
            content = f"unreadable: {error.errno}".encode()
        parts.append(f"{len(path)}:{path}:{len(content)}:".encode() + content)
    return b"".join(parts)


def load(root: Path, today: dt.date, findings: list[Finding]) -> list[Stone]:
    """Every tombstone, checked: problems go to ``findings``; tombstones that are not
    mappings are dropped only after being reported."""
    found = discover(root)
    if layout.linked_part(root, FOLDER):
        findings.append(layout.link_finding(root, FOLDER))
    stones: list[Stone] = []
    for path in found.resources:
        stones += _load_file(root, path, today, findings)
    findings.extend(_stray_finding(root, path) for path in found.strays)
    stones += _load_legacy(root, today, findings)
    findings.extend(_duplicates(stones))
    return stones


def _stray_finding(root: Path, path: str) -> Finding:
    if layout.linked_part(root, path):
        return layout.link_finding(root, path)
    return finding(
        path,
        "I013",
        "not a tombstone file (tombstone files are `<stable_id>.yaml`, regular files)",
        hint="remove it; tombstones live in `data/tombstones/<xx>/<stable_id>.yaml`",
    )


def _load_file(root: Path, path: str, today: dt.date, findings: list[Finding]) -> list[Stone]:
    try:
        parsed = read_document(layout.read_capped(root / path))
    except OSError as error:
        findings.append(finding(path, "P001", f"cannot read file: {error.strerror}"))
        return []
    if not isinstance(parsed, Document):
        findings.extend(placed(path, problem) for problem in parsed)
        return []
    findings.extend(placed(path, warning) for warning in parsed.warnings)
    located = Locator(path, parsed.root)
    if not isinstance(parsed.data, dict):
        findings.append(located.at("P010", (), "a tombstone file must be a YAML mapping"))
        return []
    findings.extend(_schema_findings(located, [parsed.data], drop=1))
    findings.extend(located.each(_placement_problems(path, parsed.data)))
    findings.extend(located.each(_date_problems((), parsed.data, today)))
    findings.extend(value_findings(located, parsed.data))
    return [Stone(path, (), parsed.data, parsed.root)]


def _load_legacy(root: Path, today: dt.date, findings: list[Finding]) -> list[Stone]:
    if layout.linked_part(root, LEGACY_FILE):
        findings.append(layout.link_finding(root, LEGACY_FILE))
        return []
    try:
        parsed = read_document(layout.read_capped(root / LEGACY_FILE))
    except FileNotFoundError:
        return []
    except OSError as error:
        findings.append(finding(LEGACY_FILE, "P001", f"cannot read file: {error.strerror}"))
        return []
    if not isinstance(parsed, Document):
        findings.extend(placed(LEGACY_FILE, problem) for problem in parsed)
        return []
    findings.extend(placed(LEGACY_FILE, warning) for warning in parsed.warnings)
    located = Locator(LEGACY_FILE, parsed.root)
    findings.append(
        located.at(
            "I014",
            (),
            f"`{LEGACY_FILE}` is the old single tombstone file (still read in this release)",
            _MIGRATE_HINT,
        )
    )
    if not isinstance(parsed.data, list):
        findings.append(located.at("P010", (), f"`{LEGACY_FILE}` must be a YAML list of entries"))
        return []
    findings.extend(_schema_findings(located, parsed.data, drop=0))
    findings.extend(value_findings(located, parsed.data))
    stones = []
    for index, entry in enumerate(parsed.data):
        if isinstance(entry, dict):
            findings.extend(located.each(_date_problems((index,), entry, today)))
            stones.append(Stone(LEGACY_FILE, (index,), entry, parsed.root))
    return stones


def _schema_findings(located: Locator, entries: list[object], *, drop: int) -> Iterator[Finding]:
    """Schema findings of a list of tombstones; a tombstone file is checked as a list of
    one, its findings without the leading index (``drop=1``)."""
    validator, validation_error = _schema()
    try:
        validator.validate_python(entries)
    except validation_error as error:
        yield from schema_findings(located, error, drop=drop)


@cache
def _schema() -> tuple[SchemaValidator, type[ValidationError]]:
    # pydantic-core is imported on first use, as in records.py
    import pydantic_core  # noqa: PLC0415 - reason: as above

    return core_validator("tombstones"), pydantic_core.ValidationError


def _placement_problems(
    path: str, entry: Mapping[str, object]
) -> Iterator[tuple[str, Pointer, str, str | None]]:
    stable_id = entry.get("stable_id")
    if not isinstance(stable_id, str) or not stable_id.startswith("sid_"):
        return  # the schema says what is wrong with it
    folder, _, name = path.rpartition("/")
    expected = tombstone_path(stable_id)
    if name != f"{stable_id}.yaml":
        yield (
            "I011",
            ("stable_id",),
            f"the tombstone of `{stable_id}` is in a file named `{name}`",
            f"rename the file to `{stable_id}.yaml` (`{expected}`)",
        )
    elif folder != expected.rpartition("/")[0]:
        yield (
            "I012",
            ("stable_id",),
            f"tombstone file belongs in `{expected.rpartition('/')[0]}/`",
            f"move it to `{expected}`",
        )


def _date_problems(
    at: Pointer, entry: Mapping[str, object], today: dt.date
) -> Iterator[tuple[str, Pointer, str, str | None]]:
    retired = entry.get("retired")
    if isinstance(retired, str) and _looks_like_a_date(retired):
        yield from date_problems((*at, "retired"), retired, today)


def _looks_like_a_date(text: str) -> bool:
    parts = text.split("-")
    return 1 <= len(parts) <= 3 and all(part.isdigit() for part in parts)


def _duplicates(stones: Sequence[Stone]) -> Iterator[Finding]:
    def key(stone: Stone) -> str:
        value = stone.entry.get("stable_id")
        return value.lower() if isinstance(value, str) else ""

    places: dict[str, list[str]] = {}
    for stone in stones:
        if key(stone):
            places.setdefault(key(stone), []).append(stone.path)
    for stone in stones:
        if len(places.get(key(stone), ())) > 1:
            others = sorted(set(places[key(stone)]) - {stone.path}) or [stone.path]
            line, col = locate(stone.node, (*stone.pointer, "stable_id")) if stone.node else (0, 0)
            yield finding(
                stone.path,
                "R004",
                f"`{stone.entry['stable_id']}` has more than one tombstone "
                f"(ignoring case; also in {', '.join(f'`{path}`' for path in others)})",
                line,
                col,
                "keep one tombstone per stable ID",
            )


def write(root: Path, stone: Mapping[str, object]) -> str:
    """Write a new tombstone file; return its path. Never replaces one."""
    stable_id = str(stone["stable_id"])
    path = tombstone_path(stable_id)
    layout.refuse_links(root, path)
    if _already_retired(root, stable_id):
        raise UsageError(f"{stable_id} is already retired")
    try:
        atomic_write(root / path, render(stone, order_for(path)).encode(), exclusive=True)
    except FileExistsError:
        raise UsageError(f"{stable_id} is already retired: `{path}` exists") from None
    return path


def _already_retired(root: Path, stable_id: str) -> bool:
    """Whether a tombstone holds ``stable_id`` (ignoring case): its shard folder holds
    every file that may (the shard is lowercased), and the old single file the rest."""
    wanted = f"{stable_id}.yaml".lower()
    shard = root / tombstone_path(stable_id).rpartition("/")[0]
    names = os.listdir(shard) if shard.is_dir() else []
    if any(name.lower() == wanted for name in names):
        return True
    stones = _legacy_stones(root)
    return any(
        str(stone.entry.get("stable_id", "")).lower() == stable_id.lower() for stone in stones
    )


def migrate(root: Path) -> list[str]:
    """Split the old single file into tombstone files, then remove it; return the files
    written. Refuses (writing nothing) when the old file does not parse as a list of
    tombstones, or one of its tombstones already has a file that differs."""
    layout.refuse_links(root, LEGACY_FILE)
    try:
        text = layout.read_capped(root / LEGACY_FILE).decode("utf-8")
    except FileNotFoundError:
        raise UsageError(f"there is no `{LEGACY_FILE}` to migrate") from None
    except UnicodeDecodeError:
        raise UsageError(f"`{LEGACY_FILE}` is not UTF-8; fix it first") from None
    parsed = read_document(text.encode())
    if not isinstance(parsed, Document) or not isinstance(parsed.data, list):
        raise UsageError(f"`{LEGACY_FILE}` does not parse as a list; fix it first")
    planned: dict[str, str] = {}
    for entry in parsed.data:
        stable_id = entry.get("stable_id") if isinstance(entry, dict) else None
        if not isinstance(stable_id, str) or not stable_id.startswith("sid_"):
            raise UsageError(
                f"`{LEGACY_FILE}` has an entry without a valid `stable_id`; fix it first"
            )
        path = tombstone_path(stable_id)
        if path in planned:
            raise UsageError(f"`{LEGACY_FILE}` holds {stable_id} twice; keep one first")
        layout.refuse_links(root, path)
        planned[path] = render(entry, order_for(path))
    for path, content in planned.items():
        target = root / path
        if target.is_file() and target.read_text(encoding="utf-8") != content:
            raise UsageError(f"`{path}` already exists with other content; compare them first")
    for path, content in planned.items():
        target = root / path
        if not target.is_file():
            atomic_write(target, content.encode(), exclusive=True)
    (root / LEGACY_FILE).unlink()
    return sorted(planned)
