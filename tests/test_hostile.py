"""Hostile input: every case gets a clear finding, never a traceback, a hang or a blow-up.

Cases that are easy to keep as files live in ``fixtures/bad``; these are the ones that
must be generated (huge, binary, links, odd names) or that need a whole registry.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TODAY, MakeRegistry
from resource_registry import Options, validate
from resource_registry.record import layout

HEAD = "stable_id: sid_Fx00000001\nid: b5b10dd0429e69ac\nurl: https://example.org/a\n"
PATH = "data/resources/fx/sid_Fx00000001.yaml"


def _codes(root: Path) -> set[tuple[str, str, int]]:
    report = validate(root, Options(today=TODAY, cache=False))
    return {(item.code, item.path, item.line) for item in report.findings}


def _validate_in_a_subprocess(root: Path) -> subprocess.CompletedProcess[str]:
    """Run the real command with a time limit: a hang fails the test instead of the suite."""
    return subprocess.run(
        [sys.executable, "-m", "resource_registry", "validate", "--root", str(root), "--no-cache"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("name", "content", "code", "line"),
    [
        (
            "billion laughs",
            "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n",
            "P006",
            1,
        ),
        ("deep flow nesting", "a: " + "[" * 100_000 + "]" * 100_000 + "\n", "P011", 1),
        (
            "deep block nesting",
            "".join(" " * i + "- \n" for i in range(0, 400, 2)) + " " * 400 + "x\n",
            "P011",
            33,
        ),
        ("python object tag", "!!python/object/apply:os.system ['touch /tmp/pwned']\n", "P007", 1),
        ("binary bytes", "\x00\x01\x02 binary", "P001", 1),
        ("NUL in a value", HEAD + "title: a\x00b\ntype: paper\n", "P001", 4),
        ("CRLF line ends", HEAD.replace("\n", "\r\n") + "title: x\r\ntype: paper\r\n", "", 0),
        ("tab indentation", HEAD + "tags:\n\t- alignment\ntitle: x\ntype: paper\n", "P001", 5),
        ("top-level list", "- 1\n- 2\n", "P010", 1),
        ("top-level scalar", "42\n", "P010", 1),
        ("several documents", HEAD + "title: x\ntype: paper\n---\nmore: 1\n", "P009", 6),
        (
            "javascript URL",
            "stable_id: sid_Fx00000001\nid: b5b10dd0429e69ac\nurl: javascript:alert(1)\n"
            "title: x\ntype: paper\n",
            "S004",
            3,
        ),
        (
            "data URL",
            "stable_id: sid_Fx00000001\nid: b5b10dd0429e69ac\nurl: 'data:text/html,<b>x</b>'\n"
            "title: x\ntype: paper\n",
            "S004",
            3,
        ),
        (
            "file URL",
            "stable_id: sid_Fx00000001\nid: b5b10dd0429e69ac\nurl: file:///etc/passwd\n"
            "title: x\ntype: paper\n",
            "S004",
            3,
        ),
        ("bidi override in title", HEAD + 'title: "abc\\u202edcba"\ntype: paper\n', "C009", 4),
        (
            "very long string",
            HEAD + "title: x\ntype: paper\nsummary: " + "y" * 500_000 + "\n",
            "S007",
            6,
        ),
        (
            "very long list",
            HEAD + "title: x\ntype: paper\nauthors:\n" + "  - a\n" * 50_000,
            "C004",
            8,
        ),
    ],
)
def test_hostile_file_gets_a_clear_finding(
    make_registry: MakeRegistry, name: str, content: str, code: str, line: int
) -> None:
    root = make_registry({PATH: content.encode("utf-8", "surrogatepass")})
    found = _codes(root)
    if not code:
        assert found == set(), name
    else:
        assert (code, PATH, line) in found, (name, found)


def test_a_50_megabyte_file_is_refused_without_being_read(make_registry: MakeRegistry) -> None:
    root = make_registry({})
    big = root / PATH
    big.parent.mkdir(parents=True)
    with big.open("wb") as file:
        file.write(HEAD.encode())
        file.truncate(50 * 1024 * 1024)  # sparse: no 50 MB written, 50 MB to read
    result = _validate_in_a_subprocess(root)
    assert result.returncode == 1
    assert f"{PATH}: P002 file is 1,048,577 bytes; the limit is 1,048,576" in result.stdout


def test_non_utf8_and_bom(make_registry: MakeRegistry) -> None:
    root = make_registry(
        {
            PATH: HEAD.encode() + b"title: caf\xe9\ntype: paper\n",
            "data/resources/bo/sid_BOM0000000.yaml": b"\xef\xbb\xbf"
            + HEAD.replace("sid_Fx00000001", "sid_BOM0000000").encode()
            + b"title: x\ntype: paper\n",
        }
    )
    found = _codes(root)
    assert ("P003", PATH, 4) in found
    assert ("P004", "data/resources/bo/sid_BOM0000000.yaml", 1) in found


def test_links_are_not_followed(make_registry: MakeRegistry, tmp_path: Path) -> None:
    outside = tmp_path / "secret.yaml"
    outside.write_text(HEAD + "title: outside\ntype: paper\n")
    root = make_registry({})
    folder = root / "data/resources/fx"
    folder.mkdir(parents=True)
    (folder / "sid_Fx00000001.yaml").symlink_to(outside)
    (folder / "sid_Fx00000002.yaml").symlink_to(folder / "sid_Fx00000001.yaml")
    (root / "data/resources/linked").symlink_to(tmp_path, target_is_directory=True)
    found = _codes(root)
    assert ("P018", "data/resources/fx/sid_Fx00000001.yaml", 0) in found
    assert ("P018", "data/resources/fx/sid_Fx00000002.yaml", 0) in found
    assert ("P019", "data/resources/linked", 0) in found
    assert all(code != "S001" for code, _, _ in found)  # the linked content was never read


def test_odd_file_names(make_registry: MakeRegistry) -> None:
    names = [
        "data/resources/fx/sid Fx0000.yaml",
        "data/resources/fx/ünï©ødé.yaml",
        "data/resources/fx/-rf.yaml",
        "data/resources/fx/a\nb.yaml",
    ]
    root = make_registry(dict.fromkeys(names, HEAD + "title: x\ntype: paper\n"))
    found = {(code, path) for code, path, _ in _codes(root)}
    for name in names:
        assert ("I001", name) in found, name


def test_names_differing_only_by_case(make_registry: MakeRegistry) -> None:
    upper = HEAD.replace("sid_Fx00000001", "sid_CaseAAAAAA") + "title: x\ntype: paper\n"
    lower = upper.replace("sid_CaseAAAAAA", "sid_caseaaaaaa").replace(
        "b5b10dd0429e69ac\nurl: https://example.org/a",
        "8cae5ebf23bb1733\nurl: https://example.org/b",
    )
    root = make_registry(
        {
            "data/resources/ca/sid_CaseAAAAAA.yaml": upper,
            "data/resources/ca/sid_caseaaaaaa.yaml": lower,
        }
    )
    found = {(code, path) for code, path, _ in _codes(root)}
    assert ("I003", "data/resources/ca/sid_CaseAAAAAA.yaml") in found
    assert ("I003", "data/resources/ca/sid_caseaaaaaa.yaml") in found


def test_an_empty_data_directory_is_valid(make_registry: MakeRegistry) -> None:
    root = make_registry({})
    assert _codes(root) == set()
    result = _validate_in_a_subprocess(root)
    assert (result.returncode, result.stdout) == (0, "All good: 4 files checked.\n")


def test_a_named_pipe_is_never_opened(make_registry: MakeRegistry) -> None:
    root = make_registry({})
    (root / "data/resources/fx").mkdir(parents=True)
    os.mkfifo(root / PATH)  # reading it would block forever
    result = _validate_in_a_subprocess(root)
    assert result.returncode == 1
    assert f"{PATH}: I009 not a resource file" in result.stdout


def test_an_unreadable_file_is_reported_not_fatal(
    make_registry: MakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_registry(
        {PATH: HEAD + "title: x\ntype: paper\n", "data/resources/ok/x.yaml": "a: 1\n"}
    )
    real = layout.read_capped

    def refuse(path: str | Path) -> bytes:
        if str(path).endswith(PATH):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(layout, "read_capped", refuse)
    found = _codes(root)
    assert ("P001", PATH, 0) in found
    assert any(path == "data/resources/ok/x.yaml" for _, path, _ in found)  # the others still run
