"""Resource Registry: a git-backed catalog of cited web resources.

The public API is small on purpose: validate a registry and read its findings, and, for
consumers of a released dataset, :mod:`resource_registry.dataset` (verify and load a
download). The command line (``resreg``) is a thin layer over these. Names are imported
on first use, so that ``import resource_registry.errors`` (as the CLI does) stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from resource_registry import dataset
    from resource_registry.errors import ExitCode, RegistryError, UsageError
    from resource_registry.findings import Finding, Severity
    from resource_registry.validation import Options, Report, validate

_HOMES = {
    "ExitCode": "resource_registry.errors",
    "RegistryError": "resource_registry.errors",
    "UsageError": "resource_registry.errors",
    "Finding": "resource_registry.findings",
    "Severity": "resource_registry.findings",
    "Options": "resource_registry.validation",
    "Report": "resource_registry.validation",
    "validate": "resource_registry.validation",
}

_MODULES = frozenset({"dataset"})  # public submodules, imported on first use too

__all__ = [
    "ExitCode",
    "Finding",
    "Options",
    "RegistryError",
    "Report",
    "Severity",
    "UsageError",
    "dataset",
    "validate",
]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    if name in _MODULES:
        return import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'resource_registry' has no attribute {name!r}")
