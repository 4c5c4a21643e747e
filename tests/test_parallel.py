"""Work in several processes (`base/parallel.py`): writers side by side (every task
runs, a failing child is an error naming its task, an interrupted parent leaves no
child running), forked parts (results in order, a failing child's part redone) and work
done meanwhile (in a child while the block runs, redone if the child fails)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from resource_registry.base import parallel
from resource_registry.base.parallel import forked_parts, meanwhile, side_by_side
from resource_registry.record import layout


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


# --- forked parts: a walk split over the cores ----------------------------------------


def _doubled_with_pid(part: Sequence[int]) -> tuple[int, list[int]]:
    return os.getpid(), [item * 2 for item in part]


def _shared_out(tmp_path: Path) -> Callable[[Sequence[int]], tuple[int, list[int]]]:
    """Doubled items and the process that did them; this process's first chunk waits
    until both children have done one (so that the test sees the work shared out)."""
    parent = os.getpid()

    def doubled(chunk: Sequence[int]) -> tuple[int, list[int]]:
        if os.getpid() != parent:
            (tmp_path / str(os.getpid())).touch()
            time.sleep(0.05)  # (else the first child could take every chunk at once)
        else:
            deadline = time.monotonic() + 20
            while len(list(tmp_path.iterdir())) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
        return _doubled_with_pid(chunk)

    return doubled


@pytest.mark.usefixtures("three_cores")
def test_forked_parts_share_out_the_chunks_and_come_back_in_order(tmp_path: Path) -> None:
    chunks = forked_parts(_shared_out(tmp_path), list(range(50)))
    assert [value for _, values in chunks for value in values] == list(range(0, 100, 2))
    assert len(chunks) > 3  # chunks, each taken by whichever process is free
    assert len({pid for pid, _ in chunks}) == 3


@pytest.mark.usefixtures("three_cores")
def test_chunks_whose_child_fails_are_done_by_the_parent() -> None:
    parent = os.getpid()

    def fails_in_children(chunk: Sequence[int]) -> tuple[int, list[int]]:
        if os.getpid() != parent:
            raise OSError("a folder vanished")
        time.sleep(0.01)  # children take some chunks meanwhile
        return _doubled_with_pid(chunk)

    chunks = forked_parts(fails_in_children, list(range(50)))
    assert [value for _, values in chunks for value in values] == list(range(0, 100, 2))
    assert {pid for pid, _ in chunks} == {parent}


@pytest.mark.usefixtures("three_cores")
def test_many_cores_claim_no_more_chunks_than_a_pipe_holds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 512)
    monkeypatch.setattr(parallel, "_may_fork", lambda: True)
    forks = []
    monkeypatch.setattr(parallel, "_forked", lambda take: forks.append(take) or (0, 0))
    monkeypatch.setattr(parallel, "_answer", lambda pid, pipe, redo: redo())
    chunks = forked_parts(_doubled_with_pid, list(range(10_000)))
    assert len(forks) == 511  # (children that never ran: their chunks are done here)
    assert len(chunks) <= 512
    assert [value for _, values in chunks for value in values] == list(range(0, 20_000, 2))


def test_with_other_threads_running_nothing_is_forked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert forked_parts(_doubled_with_pid, [1, 2, 3]) == [(os.getpid(), [2, 4, 6])]


@pytest.mark.usefixtures("three_cores")
def test_a_walk_split_over_children_finds_what_one_process_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    resources = tmp_path / layout.RESOURCES_DIR
    for shard in range(12):
        folder = resources / f"{shard:02d}"
        (folder / "deeper").mkdir(parents=True)
        (folder / f"sid_{shard:02d}AAAAAAAA.yaml").write_text("url: https://e.org\n")
        (folder / "deeper" / "nested.yaml").write_text("x: 1\n")
        (folder / "notes.txt").write_text("stray\n")
        (folder / ".hidden.yaml").write_text("ignored\n")
    (resources / "00" / "link.yaml").symlink_to(resources / "01" / "sid_01AAAAAAAA.yaml")
    os.mkfifo(resources / "02" / "fifo.yaml")
    (resources / "top.yaml").write_text("at the top\n")
    monkeypatch.setattr(layout, "_FOLDERS_TO_SPLIT", 10**6)
    alone = layout.discover(tmp_path, signatures=True)
    monkeypatch.setattr(layout, "_FOLDERS_TO_SPLIT", 2)
    split = layout.discover(tmp_path, signatures=True)
    assert split == alone
    assert len(alone.resources) == 25
    assert len(alone.signatures) == 25
    assert "data/resources/00/link.yaml" in alone.strays
    assert "data/resources/02/fifo.yaml" in alone.strays


# --- meanwhile: work in a child while the block runs ----------------------------------


def _waiting_for(go: Path) -> int | str:
    """This process's id once ``go`` exists (or "no go" after 20 s)."""
    deadline = time.monotonic() + 20
    while not go.exists():
        if time.monotonic() > deadline:
            return "no go"
        time.sleep(0.01)
    return os.getpid()


@pytest.mark.usefixtures("three_cores")
def test_work_meanwhile_runs_in_a_child_during_the_block(tmp_path: Path) -> None:
    """The child waits for the block to say go: run before the block, it never would."""
    go = tmp_path / "go"
    with meanwhile(lambda: _waiting_for(go)) as answer:
        assert answer == []
        go.touch()
    assert answer[0] not in ("no go", os.getpid())


@pytest.mark.usefixtures("three_cores")
def test_work_meanwhile_whose_child_fails_is_done_here() -> None:
    parent = os.getpid()

    def fails_in_a_child() -> int:
        if os.getpid() != parent:
            raise OSError("the disk is full")
        return os.getpid()

    with meanwhile(fails_in_a_child) as answer:
        pass
    assert answer == [parent]


def _interrupt_once_written(path: Path) -> None:
    while not path.exists() or not path.read_text():
        time.sleep(0.01)
    raise KeyboardInterrupt


@pytest.mark.usefixtures("three_cores")
def test_an_interrupted_block_stops_and_reaps_the_child(tmp_path: Path) -> None:
    started = tmp_path / "started"

    def never_done() -> None:
        started.write_text(str(os.getpid()))
        time.sleep(60)

    with pytest.raises(KeyboardInterrupt), meanwhile(never_done):
        _interrupt_once_written(started)
    with pytest.raises(ProcessLookupError):  # killed and reaped: no such process
        os.kill(int(started.read_text()), 0)


@pytest.mark.usefixtures("three_cores")
def test_a_block_that_fails_still_waits_for_the_child(tmp_path: Path) -> None:
    """An error in the block does not undo the work (the results it saves stand)."""
    saved = tmp_path / "saved"

    def save() -> None:
        time.sleep(0.2)
        saved.write_text("saved")

    with pytest.raises(ValueError, match="a bad ref"), meanwhile(save):
        raise ValueError("a bad ref")
    assert saved.read_text() == "saved"


@pytest.mark.usefixtures("three_cores")
def test_interrupted_forked_parts_leave_no_child(monkeypatch: pytest.MonkeyPatch) -> None:
    """An interrupt while the children's answers are read stops those not yet read."""
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    children: list[int] = []
    real_fork = os.fork

    def fork() -> int:
        pid = real_fork()
        if pid:
            children.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    parent = os.getpid()

    def interrupted(part: Sequence[int]) -> list[int]:
        if os.getpid() == parent:
            raise KeyboardInterrupt
        time.sleep(60)
        return list(part)

    with pytest.raises(KeyboardInterrupt):
        forked_parts(interrupted, list(range(8)))
    assert len(children) == 3
    for pid in children:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_without_forking_the_work_is_done_before_the_block(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    with meanwhile(os.getpid) as answer:
        assert answer == [os.getpid()]
    with meanwhile(os.getpid, fork=False) as answer:
        assert answer == [os.getpid()]
