"""`resreg fmt`, `resreg new` and `resreg lookup` through the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import TODAY, MakeRegistry, git
from resource_registry import Options, validate
from resource_registry.cache import place as cacheplace
from resource_registry.cli import cli

MESSY = """\
# kept comment
title: '  A messy file  '
type: paper
url: https://example.org/a
id: b5b10dd0429e69ac
stable_id: sid_Fx00000001
tags:
  - governance
  - ai-alignment
  - governance
"""
MESSY_PATH = "data/resources/fx/sid_Fx00000001.yaml"
TIDY = """\
# kept comment
stable_id: sid_Fx00000001
id: b5b10dd0429e69ac
url: https://example.org/a
title: A messy file
type: paper
tags: [alignment, governance]
"""


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_fmt_check_shows_a_diff_and_changes_nothing(make_registry: MakeRegistry) -> None:
    root = make_registry({MESSY_PATH: MESSY})
    code, out, _ = _run("fmt", "--check", "--root", str(root))
    assert code == 1
    assert f"--- a/{MESSY_PATH}" in out
    assert "+tags: [alignment, governance]" in out
    assert out.rstrip().endswith("1 of 5 files would be reformatted.")
    assert (root / MESSY_PATH).read_text() == MESSY


def test_fmt_rewrites_applies_certain_fixes_and_reports_each(make_registry: MakeRegistry) -> None:
    root = make_registry({MESSY_PATH: MESSY})
    code, out, _ = _run("fmt", "--root", str(root))
    assert code == 0
    assert (root / MESSY_PATH).read_text() == TIDY
    assert f"{MESSY_PATH}: fixed: trimmed whitespace around `title`" in out
    assert f"{MESSY_PATH}: fixed: replaced tag aliases: `ai-alignment` → `alignment`" in out
    assert f"{MESSY_PATH}: fixed: sorted and de-duplicated `tags`" in out
    assert validate(root, Options(today=TODAY)).findings == []
    assert _run("fmt", "--check", "--root", str(root))[0] == 0


def test_fmt_no_fix_only_reformats(make_registry: MakeRegistry) -> None:
    root = make_registry({MESSY_PATH: MESSY})
    _run("fmt", "--no-fix", "--root", str(root))
    text = (root / MESSY_PATH).read_text()
    assert text.splitlines()[1] == "stable_id: sid_Fx00000001"
    assert "title: '  A messy file  '" in text
    assert "tags: [governance, ai-alignment, governance]" in text


def test_fmt_reports_unparseable_files_and_formats_the_rest(make_registry: MakeRegistry) -> None:
    broken = "data/resources/bb/sid_BBBBBBBBBB.yaml"
    root = make_registry({MESSY_PATH: MESSY, broken: "title: [unclosed\n"})
    code, _, err = _run("fmt", "--root", str(root))
    assert code == 1
    assert f"{broken}:1:8: P001" in err
    assert (root / MESSY_PATH).read_text() == TIDY
    assert (root / broken).read_text() == "title: [unclosed\n"


def test_fmt_removes_a_byte_order_mark(make_registry: MakeRegistry) -> None:
    root = make_registry({MESSY_PATH: b"\xef\xbb\xbf" + TIDY.encode()})
    code, out, _ = _run("fmt", "--root", str(root), str(root / MESSY_PATH))
    assert code == 0
    assert "byte order mark" in out
    assert (root / MESSY_PATH).read_bytes() == TIDY.encode()


def test_new_writes_a_canonical_valid_file(make_registry: MakeRegistry) -> None:
    root = make_registry({})
    code, out, _ = _run(
        "new",
        "https://example.org/paper",
        "--root",
        str(root),
        "--title",
        "A paper",
        "--type",
        "paper",
        "--tag",
        "ai-alignment",
        "--cited-by",
        "alignment",
    )
    assert code == 0
    path = root / out.strip()
    text = path.read_text()
    stable_id = path.stem
    assert out.strip() == f"data/resources/{stable_id[4:6].lower()}/{stable_id}.yaml"
    assert text == (
        f"stable_id: {stable_id}\nid: 819ae6b6225e3fc6\nurl: https://example.org/paper\n"
        "title: A paper\ntype: paper\ntags: [alignment]\ncited_by: [alignment]\n"
    )
    assert validate(root, Options(today=TODAY)).findings == []
    assert _run("fmt", "--check", "--root", str(root))[0] == 0


def test_new_refuses_a_url_already_present_after_normalization(make_registry: MakeRegistry) -> None:
    root = make_registry({MESSY_PATH: TIDY})
    code, _, err = _run(
        "new", "http://www.example.org/a/?utm_source=x", "--root", str(root), "--title", "x"
    )
    assert code == 1
    assert f"already in the registry as sid_Fx00000001 (normalized url match): {MESSY_PATH}" in err


def test_new_refuses_a_retired_url(make_registry: MakeRegistry) -> None:
    root = make_registry({})
    code, _, err = _run("new", "https://example.org/retired", "--root", str(root), "--title", "x")
    assert code == 1
    assert "belongs to the retired resource sid_RetiredAAA" in err


def test_new_refuses_unknown_tags_and_bad_urls_naming_the_one_file_to_edit(
    make_registry: MakeRegistry,
) -> None:
    root = make_registry({})
    code, out, err = _run(
        "new", "https://example.org/x", "--root", str(root), "--title", "x", "--tag", "nope"
    )
    assert (code, out) == (1, "")
    assert "R002 unknown tag `nope`" in err
    assert "hint: add it to `data/tags.yaml` first" in err
    assert "pages.yaml" not in err
    code, _, err = _run(
        "new", "https://example.org/x", "--root", str(root), "--title", "x", "--tag", "governanse"
    )
    assert code == 1
    assert "hint: did you mean `governance`? Otherwise add it to `data/tags.yaml` first" in err
    assert "pages.yaml" not in err
    code, _, err = _run(
        "new", "https://example.org/x", "--root", str(root), "--title", "x", "--cited-by", "nope"
    )
    assert code == 1
    assert "R003 unknown page `nope`" in err
    assert "`data/pages.yaml`" in err
    assert "tags.yaml" not in err
    code, _, err = _run("new", "ftp://example.org/x", "--root", str(root), "--title", "x")
    assert (code, "S004 `url`" in err) == (1, True)
    assert list((root / "data/resources").rglob("*.yaml")) == []


@pytest.mark.parametrize(
    ("url", "title", "finding"),
    [
        ("https://example.org/a b", "A title", "S004 `url`"),
        ("https://example.org/c", "Research &amp; development", "C006 title contains"),
        ("https://example.org/d", "Two\nlines", "C009 `title` contains a line break"),
        ("https://example.org/e", "   ", "the title must not be empty"),
    ],
    ids=["space in the URL", "HTML entity", "line break", "blank title"],
)
def test_new_writes_nothing_that_validation_rejects(
    make_registry: MakeRegistry, url: str, title: str, finding: str
) -> None:
    root = make_registry({})
    code, out, err = _run("new", url, "--root", str(root), "--title", title)
    assert code in (1, 2)
    assert out == ""
    assert finding in err
    assert list((root / "data/resources").rglob("*.yaml")) == []


def test_new_applies_certain_url_fixes_and_says_so(make_registry: MakeRegistry) -> None:
    root = make_registry({})
    code, out, err = _run(
        "new", "HTTPS://Example.ORG/k#frag", "--root", str(root), "--title", "K", "--type", "Blog"
    )
    assert code == 0
    assert "fixed: lower-cased the scheme and host" in err
    assert "fixed: dropped the fragment `#frag`" in err
    text = (root / out.strip()).read_text()
    assert "url: https://example.org/k\n" in text
    assert "type: blog\n" in text
    assert validate(root, Options(today=TODAY)).findings == []


def test_new_prints_warnings_but_writes_the_file(make_registry: MakeRegistry) -> None:
    root = make_registry({})
    code, out, err = _run(
        "new", "https://example.org/e", "--root", str(root), "--title", "example.org"
    )
    assert code == 0
    assert "C010 warning: title `example.org` is only a domain name" in err
    assert (root / out.strip()).is_file()
    assert [item.code for item in validate(root, Options(today=TODAY)).findings] == ["C010"]


@pytest.mark.parametrize("checkout", ["folder", "git checkout with a saved cache"])
def test_concurrent_new_runs_never_collide(make_registry: MakeRegistry, checkout: str) -> None:
    """Each run sees the files of the runs before it, with or without saved results."""
    root = make_registry({})
    if checkout != "folder":
        git(root, "init", "-q")
        git(root, "add", "data")
        git(root, "commit", "-q", "-m", "registry")
        for path in (root / "data").rglob("*"):  # older than the racy window
            os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns - 10**10))
        validate(root, Options(today=TODAY))
        assert list(cacheplace.cache_dir(root).glob("results-*.sqlite"))
    command = [
        sys.executable,
        "-m",
        "resource_registry",
        "new",
        "--root",
        str(root),
        "--title",
        "T",
    ]
    runs = [
        subprocess.Popen([*command, f"https://example.org/{i}"], stdout=subprocess.PIPE, text=True)
        for i in range(8)
    ]
    same_url = [
        subprocess.Popen(
            [*command, "https://example.org/same"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    paths = [run.communicate()[0].strip() for run in runs]
    for run in same_url:
        run.communicate()
    outcomes = [run.returncode for run in same_url]
    assert all(run.returncode == 0 for run in runs)
    assert len(set(paths)) == 8
    assert sorted(outcomes) == [0, 1, 1, 1]  # the lock lets exactly one add the shared URL
    files = list((root / "data/resources").rglob("*"))
    assert not [f for f in files if f.name.startswith(".")]  # no temporary files left behind
    assert validate(root, Options(today=TODAY)).findings == []


def test_lookup_by_every_kind_of_key(make_registry: MakeRegistry) -> None:
    root = make_registry({MESSY_PATH: TIDY})
    for query in (
        "sid_fx00000001",
        "b5b10dd0429e69ac",
        "https://example.org/a",
        "http://example.org/a/",
    ):
        code, out, _ = _run("lookup", query, "--root", str(root))
        assert code == 0, query
        assert out.startswith(f"# {MESSY_PATH} (")
        assert "title: A messy file" in out


def test_lookup_of_a_retired_id_says_so(make_registry: MakeRegistry) -> None:
    root = make_registry({})
    code, out, _ = _run("lookup", "sid_RetiredAAA", "--root", str(root))
    assert code == 0
    assert (
        out.strip()
        == "# retired 2025-01-01: sid_RetiredAAA (Duplicate of another resource.); withdrawn"
    )


def test_lookup_of_something_absent_exits_1(make_registry: MakeRegistry, tmp_path: Path) -> None:
    root = make_registry({})
    code, _, err = _run("lookup", "https://nowhere.example/", "--root", str(root))
    assert code == 1
    assert "nothing in the registry matches" in err


def test_fmt_does_not_turn_a_cut_value_into_an_ordinary_comment(
    make_registry: MakeRegistry,
) -> None:
    """`summary: A # b` reads as "A"; rewritten as `A  # b` it would look deliberate."""
    cut = TIDY + "summary: Fewer than 3 # of the 5 labs agreed\n"
    root = make_registry({MESSY_PATH: cut})
    code, _, err = _run("fmt", "--root", str(root))
    assert code == 1
    assert f"{MESSY_PATH}:8:23: P017 `summary` ends where ` #` starts a comment" in err
    assert (root / MESSY_PATH).read_text() == cut
    [warning] = validate(root, Options(today=TODAY)).findings
    assert (warning.code, warning.severity.value) == ("P017", "warning")
