"""The findings of `resreg citations`: made from their `K` code, on a page's path as the
user named the pages folder."""

from __future__ import annotations

from typing import Final

from resource_registry.base.codes import RULES
from resource_registry.base.findings import Finding
from resource_registry.check.catalog_rules import KeyTable
from resource_registry.kb.mentions import Flaw

FIX: Final = "run `resreg citations --write`"


class Where:
    def __init__(self, shown: str) -> None:
        self._prefix = shown.rstrip("/") + "/" if shown not in ("", ".") else ""

    def page(self, relative: str) -> str:
        return self._prefix + relative


def finding(path: str, line: int, col: int, code: str, message: str, hint: str | None) -> Finding:
    return Finding(path, line, col, code, RULES[code].severity, message, hint)


def from_flaw(path: str, flaw: Flaw) -> Finding:
    return finding(path, flaw.line, flaw.col, flaw.code, flaw.message, flaw.hint)


def describe(table: KeyTable, row: int) -> str:
    return f"{table.stable_ids[row]} ({table.paths[row]})"
