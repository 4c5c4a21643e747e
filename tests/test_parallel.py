"""Writers side by side (`base/parallel.py`): every task runs, a failing child is an
error naming its task, and an interrupted parent leaves no child running."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from resource_registry.base.parallel import side_by_side


def _writer(path: Path, text: str) -> None:
    path.write_text(text)


@pytest.mark.parametrize("parallel", [False, True])
def test_every_task_runs(tmp_path: Path, parallel: bool) -> None:
    tasks = [(f"t{n}", lambda n=n: _writer(tmp_path / f"{n}.txt", str(n))) for n in range(4)]
    side_by_side(tasks, parallel=parallel)
    assert sorted(path.read_text() for path in tmp_path.iterdir()) == ["0", "1", "2", "3"]


def test_a_failing_child_is_an_error_naming_its_task(tmp_path: Path) -> None:
    def broken() -> None:
        raise ValueError("no")

    with pytest.raises(ChildProcessError, match="writing SQLite failed"):
        side_by_side(
            [("first", lambda: _writer(tmp_path / "a", "a")), ("SQLite", broken)], parallel=True
        )
    assert (tmp_path / "a").read_text() == "a"


def test_an_interrupted_parent_leaves_no_child_running(tmp_path: Path) -> None:
    def slow_child() -> None:
        (tmp_path / "pid").write_text(str(os.getpid()))
        time.sleep(30)
        _writer(tmp_path / "late", "written after the parent stopped")

    def interrupted() -> None:
        for _ in range(500):  # until the child has started
            if (tmp_path / "pid").exists():
                break
            time.sleep(0.01)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        side_by_side([("parent", interrupted), ("slow", slow_child)], parallel=True)
    pid = int((tmp_path / "pid").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed and reaped
    assert not (tmp_path / "late").exists()
