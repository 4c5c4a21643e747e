"""Running work in several processes when that pays: per-file work in one worker process
per core (:func:`map_chunks`), work split over forked children (:func:`forked_parts`),
work done in a forked child while this process goes on (:func:`meanwhile`), and
independent writers side by side (:func:`side_by_side`)."""

from __future__ import annotations

import contextlib
import gc
import marshal
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Final, TypeVar

_T = TypeVar("_T")
_R = TypeVar("_R")

MIN_ITEMS_FOR_WORKERS: Final = 4000
_PR_SET_PDEATHSIG: Final = 1  # prctl(2)
_MAX_CHUNK: Final = 2000
_CHUNKS_PER_PROCESS: Final = 8  # of forked parts' work: the last one taken is short
_MAX_CHUNKS: Final = 512  # their numbers, 4 bytes each, fit the smallest pipe (a page)


def map_chunks(
    function: Callable[[Sequence[_T]], list[_R]], items: Sequence[_T], jobs: int | None
) -> list[_R]:
    """``function`` over chunks of ``items``, results in order.

    With ``jobs`` unset, workers start only for large inputs: starting them costs about
    0.2 s. ``function`` must be picklable (a module-level function or a ``partial``).
    """
    workers = jobs or os.cpu_count() or 1
    if workers == 1 or len(items) < 2 or (jobs is None and len(items) < MIN_ITEMS_FOR_WORKERS):
        return function(items)
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415 - reason: only large inputs pay for it
    from multiprocessing import get_context  # noqa: PLC0415 - reason: as above

    size = max(1, min(_MAX_CHUNK, len(items) // (workers * 4)))
    chunks = [items[start : start + size] for start in range(0, len(items), size)]
    context = get_context(_start_method())
    # The collector ignores what exists now, here and in the workers forked from here:
    # no collection rescans the imported modules, and no forked page is copied for it.
    gc.freeze()
    try:
        with (
            ProcessPoolExecutor(
                workers, mp_context=context, initializer=_worker_start, initargs=(os.getpid(),)
            ) as pool,
            uncollected(),  # the results pile up here: collections would rescan them all
        ):
            return [result for batch in pool.map(function, chunks) for result in batch]
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def uncollected() -> Iterator[None]:
    """No cyclic collection while a bulk of objects, none in a cycle, is made: each
    collection would rescan every object alive (100,000 results and their rows)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            # what was made meanwhile counts as old, as if it had survived collections:
            # else the first collection after would rescan all of it (0.17 s at 100,000)
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def _worker_start(command: int) -> None:
    """A worker collects cycles (a forked one inherits the command's pause), ends on
    SIGTERM (a forked one would run the command's own handler), and dies with the
    command."""
    gc.enable()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with(command)


def _die_with(command: int) -> None:
    """On Linux, end when the command dies, even by SIGKILL: no child outlives it."""
    if sys.platform == "linux":
        import ctypes  # noqa: PLC0415 - reason: children only

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != command:  # the command died before the request was made
            os._exit(1)


def forked_parts(
    function: Callable[[Sequence[_T]], _R], items: Sequence[_T], parts: int | None = None
) -> list[_R]:
    """``function`` over chunks of ``items``, in their order, shared by this process and
    children forked from it, ``parts`` processes in all (by default one per core). Each
    takes the next chunk when done with one, so a slower process takes fewer; a child's
    results (of marshal's types) come back through a pipe. Forking costs milliseconds
    where starting a worker pool costs tenths of a second, and nothing is pickled. A
    child that fails leaves its chunks to this process, so the results are those of one
    process; where the system cannot fork, or this process runs other threads, there is
    one chunk."""
    parts = min(parts or os.cpu_count() or 1, len(items))
    if parts < 2 or not _may_fork():
        return [function(items)]
    size = -(-len(items) // min(parts * _CHUNKS_PER_PROCESS, _MAX_CHUNKS))
    chunks = [items[start : start + size] for start in range(0, len(items), size)]
    claims = _claims(len(chunks))
    take = partial(_taken_chunks, function, chunks, claims)
    children: list[tuple[int, int]] = []
    try:
        children += [_forked(take) for _ in range(1, parts)]
        done = take()
    except BaseException:
        _stop(children)
        raise
    finally:
        os.close(claims)
    for index, (pid, pipe) in enumerate(children):
        try:
            done.update(_answer(pid, pipe, dict))  # a failed child's chunks: redone below
        except BaseException:  # interrupted: the children not yet answered are stopped
            _stop(children[index + 1 :])
            raise
    return [done[index] if index in done else function(chunk) for index, chunk in enumerate(chunks)]


def _claims(count: int) -> int:
    """The read end of a pipe holding each chunk's number (4 bytes each, at most
    :data:`_MAX_CHUNKS`: written at once, before anyone reads): a read of 4 bytes claims
    one, and an empty pipe says all are taken (a read from a pipe is atomic)."""
    read_end, write_end = os.pipe()
    os.write(write_end, b"".join(index.to_bytes(4, "little") for index in range(count)))
    os.close(write_end)
    return read_end


def _taken_chunks(
    function: Callable[[Sequence[_T]], _R], chunks: Sequence[Sequence[_T]], claims: int
) -> dict[int, _R]:
    done = {}
    while len(claim := os.read(claims, 4)) == 4:
        index = int.from_bytes(claim, "little")
        done[index] = function(chunks[index])
    return done


def _answer(pid: int, pipe: int, redo: Callable[[], _R]) -> _R:
    """A forked child's result, read from its pipe (the child is reaped, whatever
    happens); ``redo()`` if the child failed."""
    try:
        with os.fdopen(pipe, "rb") as answer:
            data = answer.read()
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        raise
    finally:
        status = os.waitpid(pid, 0)[1]
    return marshal.loads(data) if status == 0 else redo()


def _stop(children: Sequence[tuple[int, int]]) -> None:
    for pid, pipe in children:
        os.close(pipe)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


@contextlib.contextmanager
def meanwhile(function: Callable[[], _R], *, fork: bool = True) -> Iterator[list[_R]]:
    """``function()`` run in a child forked from this process while the block runs, for
    work whose result the block does not need (saving what it reads): the yielded list
    holds that result (of marshal's types) once the block has ended. A child that fails
    leaves the work to this process. If the block raises an error, the child is waited
    for; if it is interrupted, the child is stopped. Without ``fork``, where the system
    cannot fork, or where this process runs other threads, ``function`` runs here,
    before the block."""
    outcome: list[_R] = []
    if not (fork and _may_fork()):
        outcome.append(function())
        yield outcome
        return
    pid, pipe = _forked(function)
    try:
        yield outcome
    except Exception:
        _answer(pid, pipe, function)
        raise
    except BaseException:
        _stop([(pid, pipe)])
        raise
    outcome.append(_answer(pid, pipe, function))


def _may_fork() -> bool:
    """Whether a child may be forked: a fork copies only the calling thread, and a child
    could inherit a lock another thread holds."""
    return hasattr(os, "fork") and threading.active_count() == 1


def _forked(function: Callable[[], object]) -> tuple[int, int]:
    """A child computing ``function()`` into a pipe: its pid and the pipe's end."""
    sys.stdout.flush()
    sys.stderr.flush()
    read_end, write_end = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: answer, then leave without unwinding the caller
        try:
            _answer_in_child(function, parent, read_end, write_end)
        finally:
            os._exit(1)  # (only if the answer failed: it leaves with 0 itself)
    os.close(write_end)
    return pid, read_end


def _answer_in_child(function: Callable[[], object], parent: int, unused: int, out: int) -> None:
    """A signal ends the child at once (the command's handlers would unwind its frames)
    and so does the command's death; the answer is written, then the child leaves."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.close(unused)
    _die_with(parent)
    with os.fdopen(out, "wb") as answer:
        answer.write(marshal.dumps(function()))  # type: ignore[arg-type]  # reason: of marshal's types, as documented
    os._exit(0)


def _start_method() -> str:
    """``fork`` where this process runs one thread: the workers start with everything
    imported (about 0.3 s less than importing it again in each). With other threads
    running, a forked child could inherit a lock one of them holds: ``forkserver``."""
    if hasattr(os, "fork") and threading.active_count() == 1:
        return "fork"
    return "forkserver"


def side_by_side(tasks: Sequence[tuple[str, Callable[[], None]]], *, parallel: bool) -> None:
    """Run each named task. With ``parallel``, where the system can fork, every task but
    the first runs in a child forked from this process: it shares the tasks' inputs as
    they are in memory (nothing is pickled), so large outputs are written on every core.
    Call it where this process runs no other thread (a fork copies only the calling
    one). A child that fails is an error naming its task; if this process is
    interrupted, its children are killed before it unwinds: none outlives it."""
    if not parallel or not hasattr(os, "fork") or len(tasks) < 2:
        for _, task in tasks:
            task()
        return
    sys.stdout.flush()
    sys.stderr.flush()
    children: dict[int, str] = {}
    try:
        for name, task in tasks[1:]:
            pid = os.fork()
            if pid == 0:  # the child: run the task, then leave without unwinding the caller
                _run_in_child(task)
            children[pid] = name
        tasks[0][1]()
        failed = [name for pid, name in children.items() if os.waitpid(pid, 0)[1] != 0]
        children.clear()
    except BaseException:
        for pid in children:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        raise
    if failed:
        raise ChildProcessError(f"writing {', '.join(failed)} failed (see the error above)")


def _run_in_child(task: Callable[[], None]) -> None:
    code = 1
    try:
        task()
        code = 0
    except BaseException:  # reported here; the parent sees the exit status
        traceback.print_exc()
        sys.stderr.flush()
    finally:
        os._exit(code)
