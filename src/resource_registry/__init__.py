"""Resource Registry: a git-backed catalog of cited web resources.

The public API is small on purpose: validate a registry and read its findings, and, for
consumers of a released dataset, :mod:`resource_registry.dataset` (verify and load a
download). The command line (``resreg``) is a thin layer over these. Names are imported
on first use, so that ``import resource_registry.base.errors`` (as the CLI does) stays
cheap.
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
