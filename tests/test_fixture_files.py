"""Data tests driven by fixture folders; new files and cases are picked up automatically.

- ``fixtures/good/*.yaml``: each must produce no finding at all.
- ``fixtures/bad/*.yaml``: each names what it must produce with ``# expect: CODE line N``
  comments (or a ``NAME.expect`` sidecar for files that cannot hold comments) and must
  produce exactly that. ``# path: ...`` places the file somewhere other than its shard.
- ``fixtures/cases/NAME/``: a registry overlay plus ``expect.txt`` of ``path:line CODE``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import FIXTURES, TODAY, MakeRegistry
from resource_registry import Options, validate

_EXPECT = re.compile(rb"(?:# expect: )?([PSIRCHF]\d{3}) line (\d+)")
_PLACE = re.compile(rb"^# path: (\S+)", re.MULTILINE)
_STABLE_ID = re.compile(rb"^stable_id: (sid_\w+)", re.MULTILINE)


def _files(kind: str) -> list[Path]:
    return sorted((FIXTURES / kind).glob("*.yaml"))


def _placement(fixture: Path, data: bytes) -> str:
    if place := _PLACE.search(data):
        return place.group(1).decode()
    if stable := _STABLE_ID.search(data):
        stable_id = stable.group(1).decode()
        return f"data/resources/{stable_id[4:6].lower()}/{stable_id}.yaml"
    return f"data/resources/zz/{fixture.name}"


def _expectations(fixture: Path, data: bytes) -> set[tuple[str, int]]:
    sidecar = fixture.with_name(fixture.name + ".expect")
    source = sidecar.read_bytes() if sidecar.exists() else data
    pattern = _EXPECT if sidecar.exists() else re.compile(rb"# expect: ([A-Z]\d{3}) line (\d+)")
    return {(code.decode(), int(line)) for code, line in pattern.findall(source)}


@pytest.mark.parametrize("fixture", _files("good"), ids=lambda path: path.name)
def test_good_file_produces_no_finding(fixture: Path, make_registry: MakeRegistry) -> None:
    data = fixture.read_bytes()
    root = make_registry({_placement(fixture, data): data})

    report = validate(root, Options(today=TODAY))

    assert report.findings == []


@pytest.mark.parametrize("fixture", _files("bad"), ids=lambda path: path.name)
def test_bad_file_produces_exactly_its_named_findings(
    fixture: Path, make_registry: MakeRegistry
) -> None:
    data = fixture.read_bytes()
    expected = _expectations(fixture, data)
    assert expected, f"{fixture.name} names no expected finding"
    placed = _placement(fixture, data)
    root = make_registry({placed: data})

    report = validate(root, Options(today=TODAY))

    assert {(item.code, item.line) for item in report.findings} == expected
    assert all(item.path == placed for item in report.findings)
    assert all(item.col >= 1 for item in report.findings if item.line)


def test_fixture_suite_is_large_enough() -> None:
    assert len(_files("bad")) >= 40
    codes = {
        code
        for fixture in _files("bad")
        for code, _ in _expectations(fixture, fixture.read_bytes())
    }
    assert {code[0] for code in codes} >= set("PSIRC")


@pytest.mark.parametrize(
    "case",
    sorted(path for path in (FIXTURES / "cases").iterdir() if path.is_dir()),
    ids=lambda path: path.name,
)
def test_catalog_case_produces_exactly_its_findings(
    case: Path, make_registry: MakeRegistry
) -> None:
    files = {
        path.relative_to(case).as_posix(): path.read_bytes()
        for path in case.rglob("*")
        if path.is_file() and path.name != "expect.txt"
    }
    expected = set()
    for line in (case / "expect.txt").read_text().splitlines():
        where, code = line.split()
        path, line_number = where.rsplit(":", 1)
        expected.add((path, int(line_number), code))
    root = make_registry(files)

    report = validate(root, Options(today=TODAY))

    assert {(item.path, item.line, item.code) for item in report.findings} == expected


def test_worker_processes_give_the_same_findings_as_one_process(
    make_registry: MakeRegistry,
) -> None:
    files = {}
    for case in sorted(path for path in (FIXTURES / "cases").iterdir() if path.is_dir()):
        for path in case.rglob("data/resources/**/*"):
            if path.is_file():
                files[path.relative_to(case).as_posix()] = path.read_bytes()
    for fixture in _files("bad") + _files("good"):
        files[f"data/resources/zz/{fixture.name}"] = fixture.read_bytes()
    root = make_registry(files)

    serial = validate(root, Options(today=TODAY, jobs=1))
    parallel = validate(root, Options(today=TODAY, jobs=2))

    assert parallel == serial
    assert len(serial.findings) > 50
