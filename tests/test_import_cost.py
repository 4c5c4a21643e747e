"""A command pays only for the modules it uses (the speed itself is in BENCHMARKS.md)."""

from __future__ import annotations

import subprocess
import sys

from conftest import PROJECT_ROOT

_PROBE = """
import sys
from click.testing import CliRunner
from resource_registry.cli import cli
result = CliRunner().invoke(cli, sys.argv[1:], catch_exceptions=False)
assert result.exit_code == 0, result.output
print(" ".join(sorted(sys.modules)))
"""


def _modules_after(*args: str) -> set[str]:
    completed = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, check=True
    )
    return set(completed.stdout.split())


def test_listing_rules_imports_no_validation_machinery() -> None:
    loaded = _modules_after("rules")
    assert not loaded & {"pydantic", "yaml", "resource_registry.validation"}


def test_validating_a_small_registry_skips_workers_and_other_tools() -> None:
    loaded = _modules_after("validate", "--root", str(PROJECT_ROOT))
    assert "resource_registry.validation" in loaded
    assert not loaded & {
        "concurrent.futures.process",
        "multiprocessing",
        "jsonschema",
        "ruamel.yaml",
        "resource_registry.schemas",
    }
