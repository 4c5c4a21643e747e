"""Faults: full disks, read-only folders, interruptions, missing git. Each gives a clear
message and an exit code, and no file is ever left half-written."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import PROJECT_ROOT, MakeRegistry, resource_text
from resource_registry.base import fsutil
from resource_registry.cli import cli
from resource_registry.record import layout
from resource_registry.record.layout import MAX_FILE_BYTES
from resource_registry.release import formats

MESSY = "type: paper\ntitle: x\nstable_id: sid_Fx00000001\nid: b5b10dd0429e69ac\nurl: https://example.org/a\n"
PATH = "data/resources/fx/sid_Fx00000001.yaml"


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _starter(tmp_path: Path) -> Path:
    root = tmp_path / "registry"
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    return root


def _hidden(folder: Path) -> list[str]:
    return [path.name for path in folder.rglob(".*")]


def test_export_to_a_full_disk_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _starter(tmp_path)
    _invoke("export", "--root", str(root), "--out", str(tmp_path / "ds"))
    before = {p.name: p.read_bytes() for p in (tmp_path / "ds").iterdir()}

    def full(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "registry.sqlite")

    monkeypatch.setattr(formats, "write_sqlite", full)
    code, _, err = _invoke("export", "--root", str(root), "--out", str(tmp_path / "ds"))
    assert code == 2
    assert err == "resreg: No space left on device (registry.sqlite)\n"
    assert {p.name: p.read_bytes() for p in (tmp_path / "ds").iterdir()} == before
    assert _hidden(tmp_path) == []


def test_export_into_a_read_only_folder_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _starter(tmp_path)

    def read_only(*_: object, **__: object) -> str:  # what mkdtemp meets in a read-only folder
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "locked"))

    monkeypatch.setattr(fsutil.tempfile, "mkdtemp", read_only)
    code, _, err = _invoke("export", "--root", str(root), "--out", str(tmp_path / "locked" / "ds"))
    assert code == 2
    assert err == f"resreg: Permission denied ({tmp_path / 'locked'})\n"


def _large_registry(tmp_path: Path, count: int) -> Path:
    root = _starter(tmp_path)
    for index in range(count):
        path, text = resource_text(
            f"sid_Bulk{index:06d}",
            f"https://example.org/bulk/{index}",
            summary="A generated resource that makes the export take a while.",
        )
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def test_export_killed_by_sigterm_leaves_no_partial_dataset(tmp_path: Path) -> None:
    root = _large_registry(tmp_path, 3000)
    out = tmp_path / "ds"
    command = [
        sys.executable,
        "-m",
        "resource_registry",
        "export",
        "--root",
        str(root),
        "--out",
        str(out),
        "--jobs",
        "1",
    ]
    subprocess.run(command, check=True, capture_output=True)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    process = subprocess.Popen(
        [*command, "--version", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    for _ in range(2000):  # stop it once it has started building the new dataset
        if any(p.name.startswith(".ds.building-") for p in tmp_path.iterdir()):
            break
        time.sleep(0.005)
    process.send_signal(signal.SIGTERM)
    process.communicate()
    assert process.returncode == 128 + signal.SIGTERM
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_interrupted_fmt_leaves_the_old_file_whole(
    make_registry: MakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_registry({PATH: MESSY})

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt  # Ctrl-C just before the finished file is renamed into place

    monkeypatch.setattr(fsutil.os, "replace", interrupted)
    code, _, _ = _invoke("fmt", "--root", str(root))
    assert code == 1  # click's "Aborted!"
    assert (root / PATH).read_text() == MESSY
    assert _hidden(root / "data") == []


def test_interrupted_new_leaves_no_file(
    make_registry: MakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_registry({})

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(fsutil.os, "link", interrupted)
    code, _, _ = _invoke("new", "https://example.org/x", "--title", "X", "--root", str(root))
    assert code == 1
    assert list((root / "data/resources").rglob("*.yaml")) == []
    assert _hidden(root / "data") == []


def test_missing_git_is_a_clear_usage_error(
    make_registry: MakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_registry({})
    monkeypatch.setenv("PATH", "/nonexistent")
    code, _, err = _invoke("validate", "--root", str(root), "--base", "main")
    assert code == 2
    assert "git is not installed" in err


def test_a_folder_that_is_not_a_registry(tmp_path: Path) -> None:
    code, _, err = _invoke("fmt", "--root", str(tmp_path))
    assert code == 2
    assert "is not inside a registry" in err


def test_a_fifo_in_a_files_place_is_refused_at_once_never_waited_on(tmp_path: Path) -> None:
    """A FIFO put where the walk saw a file (no writer will ever come) is not read."""
    from resource_registry.record.layout import read_capped  # noqa: PLC0415 - reason: only here

    fifo = tmp_path / "sid_FifoFifo01.yaml"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="not a regular file"):
        read_capped(fifo)


@pytest.mark.parametrize("size", [0, 1, 4096, MAX_FILE_BYTES, MAX_FILE_BYTES + 9])
def test_a_read_gives_the_bytes_up_to_one_past_the_limit(tmp_path: Path, size: int) -> None:
    path = tmp_path / "sid_ReadRead01.yaml"
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    path.write_bytes(data)
    assert layout.read_capped(path) == data[: MAX_FILE_BYTES + 1]


@pytest.mark.parametrize("grown", [1, 3000, MAX_FILE_BYTES])
def test_a_file_that_grew_after_its_size_was_taken_is_read_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, grown: int
) -> None:
    """The read asks for the size ``fstat`` gave; a file written meanwhile is read on to
    the limit, never cut at its old size."""
    path = tmp_path / "sid_ReadRead02.yaml"
    path.write_bytes(b"a" * (10 + grown))
    real = os.fstat

    def before_it_grew(descriptor: int) -> os.stat_result:
        info = list(real(descriptor))
        info[stat.ST_SIZE] = 10
        return os.stat_result(info)

    monkeypatch.setattr(os, "fstat", before_it_grew)
    assert layout.read_capped(path) == b"a" * min(10 + grown, MAX_FILE_BYTES + 1)
