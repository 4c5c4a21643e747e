"""The one small hierarchy of expected errors, and the exit codes they map to.

Anything raised that is not a :class:`RegistryError` is a bug: the CLI reports it
with a traceback and exit code :data:`ExitCode.INTERNAL_ERROR`.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Final

from resource_registry.base.findings import Finding

FINDINGS_SHOWN: Final = 20  # of the findings that explain an error, the rest are counted


class ExitCode(enum.IntEnum):
    OK = 0
    FINDINGS = 1
    USAGE = 2
    INTERNAL_ERROR = 3


class RegistryError(Exception):
    """An expected failure with a message meant for the user."""

    exit_code: ExitCode = ExitCode.FINDINGS


class FindingsError(RegistryError):
    """An expected failure explained by findings: the CLI prints the message, then the
    first :data:`FINDINGS_SHOWN` findings and how many more there are."""

    def __init__(self, message: str, findings: Sequence[Finding]) -> None:
        super().__init__(message)
        self.findings = tuple(findings)


class UsageError(RegistryError):
    """Bad arguments or configuration: the command could not start its work."""

    exit_code = ExitCode.USAGE


class NetworkUnavailable(UsageError):
    """Most requests could not connect at all (no network, DNS down): the environment, not
    the links, is at fault, so nothing is recorded."""
