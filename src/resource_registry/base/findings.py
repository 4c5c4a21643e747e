"""Findings are plain data; reporters decide how they look."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    """One problem in one place. ``line`` and ``col`` are 1-based; 0 means "whole file"."""

    path: str
    line: int
    col: int
    code: str
    severity: Severity
    message: str
    hint: str | None = None

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
