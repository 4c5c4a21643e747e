"""Real git and real pre-commit in temporary repositories: the contributor's loop."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, PROJECT_ROOT

GOOD = (
    "stable_id: sid_Fx00000001\nid: b5b10dd0429e69ac\nurl: https://example.org/a\n"
    "title: A\ntype: paper\n"
)
GOOD_PATH = "data/resources/fx/sid_Fx00000001.yaml"
MESSY = "type: paper\ntitle: '  B  '\nstable_id: sid_BBBBBBBBBB\nid: 8cae5ebf23bb1733\nurl: https://example.org/b\n"
MESSY_PATH = "data/resources/bb/sid_BBBBBBBBBB.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository holding a registry and this project's own hook configuration."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "base", root)
    (root / GOOD_PATH).parent.mkdir(parents=True)
    (root / GOOD_PATH).write_text(GOOD)
    shutil.copy(PROJECT_ROOT / ".pre-commit-config.yaml", root)
    (root / "scripts").mkdir()
    shutil.copy(PROJECT_ROOT / "scripts/resreg", root / "scripts")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "start")
    _run(root, sys.executable, "-m", "pre_commit", "install")
    return root


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="test@example.org",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="test@example.org",
    )
    return env


def _run(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = _env()
    env["PRE_COMMIT_HOME"] = str(cwd.parent / ".pre-commit-home")  # isolated from the user's
    # git runs hooks with their output on stderr: read both streams as one
    return subprocess.run(
        args,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=check,
    )


def _git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return _run(cwd, "git", *args, check=check)


def test_a_good_commit_passes(repo: Path) -> None:
    (repo / "data/resources/cc").mkdir()
    (repo / "data/resources/cc/sid_CCCCCCCCCC.yaml").write_text(
        GOOD.replace("sid_Fx00000001", "sid_CCCCCCCCCC")
        .replace("example.org/a", "example.org/c")
        .replace("b5b10dd0429e69ac", "31c30e90b177f343")
    )
    _git(repo, "add", ".")
    result = _git(repo, "commit", "-m", "add c", check=False)
    assert result.returncode == 0, result.stdout
    assert "resreg validate" in result.stdout
    assert "Passed" in result.stdout


def test_a_bad_file_blocks_the_commit_with_its_location(repo: Path) -> None:
    (repo / GOOD_PATH).write_text(GOOD + "importance: 101\n")
    _git(repo, "add", ".")
    result = _git(repo, "commit", "-m", "break it", check=False)
    assert result.returncode != 0
    assert (
        f"{GOOD_PATH}:6:13: S006 `importance`: input should be less than or equal to 100"
        in result.stdout
    )
    assert _git(repo, "log", "--oneline").stdout.count("\n") == 1


def test_a_badly_formatted_file_is_fixed_then_commits(repo: Path) -> None:
    (repo / MESSY_PATH).parent.mkdir()
    (repo / MESSY_PATH).write_text(MESSY)
    _git(repo, "add", ".")
    first = _git(repo, "commit", "-m", "add b", check=False)
    assert first.returncode != 0
    assert "files were modified by this hook" in first.stdout
    assert (repo / MESSY_PATH).read_text() == (
        "stable_id: sid_BBBBBBBBBB\nid: 8cae5ebf23bb1733\nurl: https://example.org/b\n"
        "title: B\ntype: paper\n"
    )
    _git(repo, "add", ".")
    second = _git(repo, "commit", "-m", "add b", check=False)
    assert second.returncode == 0, second.stdout


def test_the_hook_manifest_and_config_are_valid() -> None:
    for command, file in (
        ("validate-manifest", ".pre-commit-hooks.yaml"),
        ("validate-config", ".pre-commit-config.yaml"),
    ):
        result = _run(PROJECT_ROOT, sys.executable, "-m", "pre_commit", command, file, check=False)
        assert result.returncode == 0, result.stdout


def test_the_citations_hook_guards_the_pages_repository(tmp_path: Path) -> None:
    """The pages' repository runs the manifest's `resreg-citations` hook against a registry
    checked out beside it: a page citing a resource whose `cited_by` lacks it is refused
    with the page's line, and passes once `--write` has updated the registry."""
    registry = tmp_path / "registry"
    shutil.copytree(FIXTURES / "base", registry)
    (registry / GOOD_PATH).parent.mkdir(parents=True)
    (registry / GOOD_PATH).write_text(GOOD)
    manifest = yaml.safe_load((PROJECT_ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(item for item in manifest if item["id"] == "resreg-citations")
    pages = tmp_path / "wiki"
    pages.mkdir()
    config = {
        "repos": [
            {
                "repo": "local",
                "hooks": [
                    {
                        **{key: hook[key] for key in ("id", "name", "entry", "files")},
                        "language": "system",
                        "pass_filenames": hook["pass_filenames"],
                        "args": ["--root", str(registry), "--pages", "."],
                    }
                ],
            }
        ]
    }
    (pages / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    _git(pages, "init", "-q", "-b", "main")
    _run(pages, sys.executable, "-m", "pre_commit", "install")
    (pages / "alignment.mdx").write_text(
        "---\ntitle: AI Alignment\nentityType: approach\nquality: 80\n---\n\n"
        'As <R id="sid_Fx00000001">A</R> shows.\n'
    )
    _git(pages, "add", ".")
    refused = _git(pages, "commit", "-m", "cite A", check=False)
    assert refused.returncode != 0
    assert "alignment.mdx:7:4: K001" in refused.stdout
    fixed = _run(pages, "resreg", "citations", "--root", str(registry), "--pages", ".", "--write")
    assert "rewrote the `cited_by` of 1 resources" in fixed.stdout
    assert "cited_by: [alignment]" in (registry / GOOD_PATH).read_text()
    passed = _git(pages, "commit", "-m", "cite A", check=False)
    assert passed.returncode == 0, passed.stdout


DRAFT = (
    "stable_id: sid_DrAfTAAAAA\nid: 4a3b2de1b8d8b4f4\nurl: https://example.org/draft\n"
    "title: Draft\ntype: paper\nimportance: 500\n"
)
DRAFT_PATH = "data/resources/dr/sid_DrAfTAAAAA.yaml"


def _add_c(repo: Path) -> None:
    (repo / "data/resources/cc").mkdir(exist_ok=True)
    (repo / "data/resources/cc/sid_CCCCCCCCCC.yaml").write_text(
        GOOD.replace("sid_Fx00000001", "sid_CCCCCCCCCC")
        .replace("example.org/a", "example.org/c")
        .replace("b5b10dd0429e69ac", "31c30e90b177f343")
    )
    _git(repo, "add", "data/resources/cc")


def test_an_untracked_draft_does_not_block_a_commit_of_another_file(repo: Path) -> None:
    (repo / DRAFT_PATH).parent.mkdir()
    (repo / DRAFT_PATH).write_text(DRAFT)  # never added: not part of the commit
    _add_c(repo)
    hook = _run(repo, "scripts/resreg", "validate", "--staged", check=False)
    assert hook.returncode == 0, hook.stdout
    assert "1 untracked file under data/ left out (not staged)" in hook.stdout
    result = _git(repo, "commit", "-m", "add c", check=False)
    assert result.returncode == 0, result.stdout
    assert "S006" not in result.stdout
    plain = _run(repo, "scripts/resreg", "validate", check=False)
    assert plain.returncode == 1  # the whole registry, work tree included, still fails
    assert f"{DRAFT_PATH}:6:13: S006" in plain.stdout


def test_a_staged_bad_edit_fails_though_its_work_tree_copy_is_fixed(repo: Path) -> None:
    (repo / GOOD_PATH).write_text(GOOD + "importance: 101\n")
    _git(repo, "add", GOOD_PATH)
    (repo / GOOD_PATH).write_text(GOOD + "importance: 10\n")  # fixed, but not staged
    staged = _run(repo, "scripts/resreg", "validate", "--staged", check=False)
    assert staged.returncode == 1, staged.stdout
    assert f"{GOOD_PATH}:6:13: S006" in staged.stdout
    assert _run(repo, "scripts/resreg", "validate", check=False).returncode == 0
    result = _git(repo, "commit", "-m", "break it", check=False)  # pre-commit stashes the fix
    assert result.returncode != 0
    assert f"{GOOD_PATH}:6:13: S006" in result.stdout


def test_the_hook_reports_what_the_change_causes_and_sums_up_the_backlog(repo: Path) -> None:
    old = "data/resources/ol/sid_OldAAAAAAA.yaml"
    (repo / old).parent.mkdir()
    (repo / old).write_text(  # committed before the hook judged it: the backlog
        "stable_id: sid_OldAAAAAAA\nid: 0ab67a7e0d1ed2b3\nurl: https://example.org/old\n"
        "title: example.org\ntype: web\n"
    )
    _git(repo, "add", old)
    _git(repo, "commit", "-q", "--no-verify", "-m", "old")
    backlog = _run(repo, "scripts/resreg", "validate", check=False).stdout
    warnings = backlog.count(": C0") + backlog.count(": I0") + backlog.count(": S0")
    assert warnings >= 1
    duplicate = GOOD.replace("sid_Fx00000001", "sid_DuPAAAAAAA")
    (repo / "data/resources/du").mkdir()
    (repo / "data/resources/du/sid_DuPAAAAAAA.yaml").write_text(duplicate)  # GOOD's URL
    _git(repo, "add", "data/resources/du")
    staged = _run(repo, "scripts/resreg", "validate", "--staged", check=False)
    assert staged.returncode == 1, staged.stdout
    assert "sid_DuPAAAAAAA.yaml" in staged.stdout
    assert f"{GOOD_PATH}:" in staged.stdout  # the untouched file now shares its URL
    assert old not in staged.stdout.replace("does not touch", "")
    assert "in files this commit does not touch" in staged.stdout


@pytest.mark.parametrize("cache", [True, False])
def test_a_file_in_a_merge_conflict_is_refused_not_judged(repo: Path, cache: bool) -> None:
    """The index holds stages 1-3 of a conflicted file, and no one staged content: the
    hook refuses (with the cache, after a run saved the index's snapshot: every new
    entry is parsed, the conflicted ones too)."""
    _run(repo, "scripts/resreg", "validate", "--staged")
    _git(repo, "checkout", "-q", "-b", "other")
    (repo / GOOD_PATH).write_text(GOOD.replace("title: A", "title: Other"))
    _git(repo, "commit", "-q", "--no-verify", "-am", "other")
    _git(repo, "checkout", "-q", "main")
    (repo / GOOD_PATH).write_text(GOOD.replace("title: A", "title: Main"))
    _git(repo, "commit", "-q", "--no-verify", "-am", "main")
    assert _git(repo, "merge", "-q", "other", check=False).returncode != 0  # the conflict
    flags = [] if cache else ["--no-cache"]
    hook = _run(repo, "scripts/resreg", "validate", "--staged", *flags, check=False)
    assert hook.returncode == 2, hook.stdout
    assert f"`{GOOD_PATH}` has a merge conflict; resolve it first" in hook.stdout
