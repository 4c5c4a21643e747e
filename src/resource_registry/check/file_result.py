"""What checking one resource file gives back (`FileResult`, its `ResourceKey`) and how
the per-file rules make their findings: `finding`, `placed`, `Locator`, problem tuples."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from yaml.nodes import Node

from resource_registry.base.codes import RULES
from resource_registry.base.findings import Finding, Pointer
from resource_registry.record.positions import locate


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


def pointer_text(pointer: Pointer) -> str:
    text = ""
    for part in pointer:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(top level)"


# what a rule on a record yields: (code, pointer, message, hint), located by `Locator.each`
ProblemStream = Iterator[tuple[str, Pointer, str, str | None]]


def string_items(value: object) -> list[str]:
    """The strings of a list value (none if it is not a list): the rules and the keys read
    records the schema may have rejected."""
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []
