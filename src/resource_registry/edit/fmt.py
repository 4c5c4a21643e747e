"""``resreg fmt``: rewrite data files into their canonical form, with certain fixes.

Parsing separated from writing: :func:`format_files` computes results (data), the CLI
shows diffs or calls :func:`write_changes`.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from resource_registry.base.errors import UsageError
from resource_registry.base.findings import Finding
from resource_registry.base.fsutil import atomic_write
from resource_registry.base.parallel import map_chunks
from resource_registry.check import tombstones
from resource_registry.check.file_result import placed
from resource_registry.check.file_rules import cut_by_comments
from resource_registry.edit.fixes import fix_resource
from resource_registry.record import layout
from resource_registry.record.layout import RESOURCES_DIR
from resource_registry.record.parse_problems import problem
from resource_registry.record.reader import Document, list_entries, read_document
from resource_registry.record.writer import canonical_text


@dataclass(frozen=True, slots=True)
class Formatted:
    """The outcome for one file. ``text`` is set only when the file changes."""

    path: str
    text: str | None
    fixes: tuple[str, ...] = ()
    problems: tuple[Finding, ...] = ()


def targets(root: Path, paths: Sequence[str]) -> list[str]:
    """Data files to format: everything by default, or the YAML files under ``paths``.
    A link met on the way is kept as a target, to be reported (never followed)."""
    if not paths:
        existing = [
            path
            for path in (*layout.VOCABULARY_FILES, layout.LEGACY_TOMBSTONES)
            if os.path.lexists(root / path)
        ]
        found = [layout.discover(root), tombstones.discover(root)]
        links = [path for listing in found for path in listing.strays if _is_link(root, path)]
        return existing + [path for listing in found for path in listing.resources] + links
    selected: list[str] = []
    for raw in paths:
        relative = _relative(root, raw)
        if linked := layout.linked_part(root, relative):
            selected.append(linked)
        elif (root / relative).is_dir():
            selected += _yaml_files_below(root, relative)
        elif (root / relative).is_file():
            selected.append(relative)
        else:
            raise UsageError(f"`{raw}` does not exist")
    return [
        path
        for path in dict.fromkeys(selected)
        if _is_link(root, path) or (path.endswith(".yaml") and path.startswith("data/"))
    ]


def _relative(root: Path, raw: str) -> str:
    """``raw`` relative to the root, links in it not followed (then resolved, for a path
    that reaches the registry through a link outside it)."""
    for target in (Path(os.path.abspath(raw)), Path(raw).resolve()):
        try:
            relative = target.relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
        return "" if relative == "." else relative
    raise UsageError(f"`{raw}` is outside the registry at {root}")


def _yaml_files_below(root: Path, relative: str) -> list[str]:
    """The YAML files below a folder, and the links there, walked without following any."""
    found: list[str] = []
    start = os.path.join(root, relative) if relative else os.fspath(root)
    for folder, folders, files in os.walk(start):
        base = Path(folder).relative_to(root).as_posix()
        prefix = "" if base == "." else base + "/"
        links = [name for name in folders if os.path.islink(os.path.join(folder, name))]
        found += [prefix + name for name in links]
        folders[:] = sorted(name for name in folders if name not in links)
        found += [prefix + name for name in files]
    return sorted(found)


def _is_link(root: Path, path: str) -> bool:
    return layout.linked_part(root, path) is not None


def format_files(
    root: Path, paths: Sequence[str], *, fix: bool = True, jobs: int | None = None
) -> list[Formatted]:
    aliases = tag_aliases(root) if fix else {}
    return map_chunks(partial(_format_chunk, str(root), aliases, fix), paths, jobs)


def write_changes(root: Path, results: Sequence[Formatted]) -> list[str]:
    written = []
    for result in results:
        if result.text is not None:
            layout.refuse_links(root, result.path)  # never write through one
            atomic_write(root / result.path, result.text.encode("utf-8"))
            written.append(result.path)
    return written


def unified_diff(root: Path, result: Formatted) -> str:
    if result.text is None:
        return ""
    before = (root / result.path).read_bytes().decode("utf-8", "replace")
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            result.text.splitlines(keepends=True),
            fromfile=f"a/{result.path}",
            tofile=f"b/{result.path}",
        )
    )


def tag_aliases(root: Path) -> dict[str, str]:
    """alias -> tag id from ``data/tags.yaml``, skipping entries that are not well formed."""
    try:
        entries = list_entries(layout.read_capped(root / layout.TAGS)) or []
    except FileNotFoundError:
        return {}
    aliases: dict[str, str] = {}
    for entry in entries:
        if isinstance(tag := entry.get("id"), str):
            for alias in entry.get("aliases") or ():
                if isinstance(alias, str):
                    aliases[alias] = tag
    return aliases


def format_text(path: str, data: bytes, aliases: Mapping[str, str], *, fix: bool) -> Formatted:
    """Format one file's bytes (``path`` decides its key order and which fixes apply)."""
    parsed = read_document(data)
    if not isinstance(parsed, Document):
        return Formatted(path, None, problems=tuple(placed(path, p) for p in parsed))
    if cut := list(cut_by_comments(parsed)):  # rewriting would hide where the cut is
        return Formatted(path, None, problems=tuple(placed(path, p) for p in cut))
    # the one warning the rewrite itself fixes; the others are validation's to report
    fixes = [warning.message for warning in parsed.warnings if warning.code == "P004"]
    if fix and path.startswith(RESOURCES_DIR + "/") and isinstance(parsed.data, dict):
        fixes += fix_resource(parsed.data, aliases, parsed.root)
    original = data.decode("utf-8-sig")
    text = canonical_text(path, parsed, original)
    if text.encode() == data:
        return Formatted(path, None, tuple(fixes))
    if not _reads_back(text, parsed.data):  # never write a file that says something else
        found = problem("P020", "rewriting this file would change what it says", hint=_P020)
        return Formatted(path, None, problems=(placed(path, found),))
    return Formatted(path, text, tuple(fixes))


_P020 = "the file is left as it is; a top-level value that is not a mapping is the usual cause"


def _reads_back(text: str, data: object) -> bool:
    again = read_document(text.encode())
    return isinstance(again, Document) and again.data == data


def _format_chunk(
    root: str, aliases: Mapping[str, str], fix: bool, paths: Sequence[str]
) -> list[Formatted]:
    results = []
    for path in paths:
        if layout.linked_part(root, path):
            results.append(Formatted(path, None, problems=(layout.link_finding(root, path),)))
            continue
        try:
            data = layout.read_capped(os.path.join(root, path))
        except OSError as error:
            problem = placed(path, _unreadable(error))
            results.append(Formatted(path, None, problems=(problem,)))
            continue
        results.append(format_text(path, data, aliases, fix=fix))
    return results


def _unreadable(error: OSError) -> Finding:
    return problem("P001", f"cannot read file: {error.strerror}")
