"""What the release steps (`export`, `site`, `publish`) trust: nothing a contributor or a
download can forge. Each test attacks for real: a forged cache, a dataset whose checksums
were regenerated, a folder that is not ours at `--out`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import TODAY, MakeRegistry, resource_text
from resource_registry import Options, validate
from resource_registry.cli import cli
from resource_registry.errors import RegistryError
from resource_registry.export import export

_GOOD_URL = "https://example.org/abcdefghijklm"
_EVIL_URL = "javascript:alert(document.cookie)"  # as long as the good one: same file size
_OLD = 1_600_000_000  # a modification time well before any run (fresh files are not cached)


def _forged_cache(make_registry: MakeRegistry) -> Path:
    """A registry whose cache says a `javascript:` URL file is fine: the file is checked
    while valid, then rewritten in place with the same size and modification time, which
    is all the cache can see of a file outside git."""
    assert len(_GOOD_URL) == len(_EVIL_URL)
    path, text = resource_text("sid_Forged0001", _GOOD_URL, title="A forged entry")
    root = make_registry({path: text})
    os.utime(root / path, (_OLD, _OLD))
    assert validate(root, Options(today=TODAY)).findings == []  # checked and cached
    (root / path).write_text(text.replace(_GOOD_URL, _EVIL_URL))
    os.utime(root / path, (_OLD, _OLD))
    cached = validate(root, Options(today=TODAY))
    fresh = validate(root, Options(today=TODAY, cache=False))
    assert cached.findings == []  # the forgery works on a cached validation...
    assert any(item.code == "S004" for item in fresh.findings)  # ...and not on a fresh one
    return root


def test_export_never_trusts_a_forged_cache(make_registry: MakeRegistry, tmp_path: Path) -> None:
    root = _forged_cache(make_registry)
    with pytest.raises(RegistryError, match="refusing to export"):
        export(root, tmp_path / "dataset")
    assert not (tmp_path / "dataset").exists()


@pytest.mark.parametrize("command", [["site"], ["publish", "postgres", "--dry-run"]])
def test_site_and_publish_never_trust_a_forged_cache(
    make_registry: MakeRegistry, tmp_path: Path, command: list[str]
) -> None:
    root = _forged_cache(make_registry)
    out = ["--out", str(tmp_path / "out")] if command == ["site"] else ["--dsn", "host=nowhere"]
    done = CliRunner().invoke(cli, [*command, "--root", str(root), *out], catch_exceptions=False)
    assert done.exit_code == 1, done.output
    assert "refusing to export" in done.output
    assert not (tmp_path / "out").exists()
