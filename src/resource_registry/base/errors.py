"""The one small hierarchy of expected errors, and the exit codes they map to.

Anything raised that is not a :class:`RegistryError` is a bug: the CLI reports it
with a traceback and exit code :data:`ExitCode.INTERNAL_ERROR`.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    OK = 0
    FINDINGS = 1
    USAGE = 2
    INTERNAL_ERROR = 3


class RegistryError(Exception):
    """An expected failure with a message meant for the user."""

    exit_code: ExitCode = ExitCode.FINDINGS


class UsageError(RegistryError):
    """Bad arguments or configuration: the command could not start its work."""

    exit_code = ExitCode.USAGE


class NetworkUnavailable(UsageError):
    """Most requests could not connect at all (no network, DNS down): the environment, not
    the links, is at fault, so nothing is recorded."""
