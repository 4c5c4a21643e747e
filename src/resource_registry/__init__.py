"""Resource Registry: a git-backed catalog of cited web resources.

The public API is small on purpose: validate a registry and read its findings, and
(``resource_registry.dataset``) load and verify a released dataset. The command line
(``resreg``) is a thin layer over these. Names are imported on first use, so that
``import resource_registry.base.errors`` (as the CLI does) stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from resource_registry import dataset
    from resource_registry.base.errors import ExitCode, RegistryError, UsageError
    from resource_registry.base.findings import Finding, Severity
    from resource_registry.registry.validate import Options, Report, validate

_HOMES = {
    "ExitCode": "resource_registry.base.errors",
    "RegistryError": "resource_registry.base.errors",
    "UsageError": "resource_registry.base.errors",
    "Finding": "resource_registry.base.findings",
    "Severity": "resource_registry.base.findings",
    "Options": "resource_registry.registry.validate",
    "Report": "resource_registry.registry.validate",
    "validate": "resource_registry.registry.validate",
}

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
    if name == "dataset":  # the consumer API, a module
        return import_module("resource_registry.dataset")
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'resource_registry' has no attribute {name!r}")
