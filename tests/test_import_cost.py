"""A command pays only for the modules it uses (the speed itself is in BENCHMARKS.md)."""

from __future__ import annotations

import subprocess
import sys

from conftest import PROJECT_ROOT, MakeRegistry, git, resource_text
from resource_registry.cache import place as cacheplace
from resource_registry.check.identity import shard_path

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
    assert not loaded & {"pydantic", "yaml", "resource_registry.registry.validate"}


def test_validating_a_small_registry_skips_workers_and_other_tools() -> None:
    loaded = _modules_after("validate", "--root", str(PROJECT_ROOT))
    assert "resource_registry.registry.validate" in loaded
    assert not loaded & {
        "concurrent.futures",  # threads write many files, and workers start, elsewhere
        "difflib",  # for "did you mean" hints only
        "multiprocessing",
        "jsonschema",
        "ruamel.yaml",
        "resource_registry.record.schemas",
    }


def test_validation_loads_neither_pydantic_nor_the_models(
    make_registry: MakeRegistry,
) -> None:
    """The core schemas are generated for the installed pydantic-core (else see
    test_schemas): a warm validation needs neither, after a plain edit or a resource
    added (the whole-catalog checks always run), vocabulary files included."""
    root = make_registry(
        dict(resource_text(f"sid_WARMAAAAA{n}", f"https://e.org/{n}") for n in range(3))
    )
    git(root, "init", "-q")
    git(root, "add", "data")
    git(root, "commit", "-q", "-m", "registry")
    _modules_after("validate", "--root", str(root))  # the whole run saves the cache
    edited = root / shard_path("sid_WARMAAAAA1")
    edited.write_text(edited.read_text().replace("title:", "title: Warm", 1))
    loaded = _modules_after("validate", "--root", str(root))
    assert "resource_registry.cache.results" in loaded
    assert not loaded & {"pydantic", "resource_registry.record.models"}
    assert list(cacheplace.cache_dir(root).glob("results-*.sqlite"))
    _modules_after("new", "https://e.org/added", "--title", "Added", "--root", str(root))
    loaded = _modules_after("validate", "--root", str(root))
    assert not loaded & {"pydantic", "resource_registry.record.models"}


def test_new_and_lookup_need_neither_pydantic_nor_the_models(
    make_registry: MakeRegistry,
) -> None:
    """They read identities, which the cache has once it has checked the files (a
    file it lacks is checked as validation checks it, with the generated core schema:
    pydantic-core only); `new` also checks the one record it writes."""
    root = make_registry(dict([resource_text("sid_LOOKUPAAAA", "https://e.org/a")]))
    for command in (
        ["new", "https://e.org/b", "--title", "B", "--root", str(root)],
        ["lookup", "https://e.org/a", "--root", str(root)],
        ["lookup", "https://e.org/a", "--root", str(root)],  # warm
    ):
        loaded = _modules_after(*command)
        assert "resource_registry.registry.lookup" in loaded
        assert not loaded & {"pydantic", "resource_registry.record.models"}, command
