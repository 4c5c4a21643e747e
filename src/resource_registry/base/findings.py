"""Findings are plain data; reporters decide how they look."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

Pointer = tuple[str | int, ...]  # a place in a YAML document: keys and list indexes


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    """One problem in one place. ``line`` and ``col`` are 1-based; 0 means "whole file".

    The one type of every problem in the data. Before it is placed, a finding may have
    no path yet (the YAML reader's, placed in a file by its caller) or no line yet but a
    ``pointer`` to its node (the whole-catalog checks', located once per file)."""

    path: str
    line: int
    col: int
    code: str
    severity: Severity
    message: str
    hint: str | None = None
    pointer: Pointer = field(default=(), compare=False, repr=False)

    def as_dict(self) -> dict[str, str | int | None]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
        }
