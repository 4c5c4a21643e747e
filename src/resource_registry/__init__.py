"""Resource Registry: a git-backed catalog of cited web resources.

The public API is small on purpose: validate a registry and read its findings. The
command line (``resreg``) is a thin layer over these.
"""

from resource_registry.errors import ExitCode, RegistryError, UsageError
from resource_registry.findings import Finding, Severity
from resource_registry.validation import Options, Report, validate

__all__ = [
    "ExitCode",
    "Finding",
    "Options",
    "RegistryError",
    "Report",
    "Severity",
    "UsageError",
    "validate",
]
