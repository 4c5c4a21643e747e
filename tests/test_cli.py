"""The command line, through click's runner, on the real starter registry and on fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import PROJECT_ROOT, MakeRegistry
from resource_registry.base.codes import RULES
from resource_registry.cli import cli
from resource_registry.registry import validate as validate_module

GOOD = "stable_id: sid_Fx00000001\nid: b5b10dd0429e69ac\nurl: https://example.org/a\n"
GOOD_PATH = "data/resources/fx/sid_Fx00000001.yaml"


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False, env=env)
    return result.exit_code, result.stdout, result.stderr


def test_starter_registry_is_valid() -> None:
    code, out, _ = _run("validate", "--root", str(PROJECT_ROOT))
    assert code == 0, out
    assert out.startswith("All good:")


def test_starter_registry_holds_the_design_example_and_every_type() -> None:
    example = PROJECT_ROOT / "data/resources/d9/sid_d9EnmTcnin.yaml"
    assert "id: 3e03a6e800128f8c" in example.read_text()
    files = list((PROJECT_ROOT / "data/resources").rglob("*.yaml"))
    assert len(files) >= 41
    types = {
        line.split(": ")[1]
        for f in files
        for line in f.read_text().splitlines()
        if line.startswith("type: ")
    }
    assert types == {
        "paper",
        "blog",
        "report",
        "book",
        "talk",
        "podcast",
        "government",
        "reference",
        "web",
    }


def test_text_output_is_file_line_col_code_message(make_registry: MakeRegistry) -> None:
    root = make_registry({GOOD_PATH: GOOD + "title: x\ntype: paper\nimportance: 101\n"})
    code, out, _ = _run("validate", "--root", str(root))
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith(f"{GOOD_PATH}:6:13: S006 ")
    assert out.splitlines()[-1] == "1 error and 0 warnings in 1 file (5 files checked)."


def test_hint_is_printed_under_the_finding(make_registry: MakeRegistry) -> None:
    root = make_registry({GOOD_PATH: GOOD + "title: x\ntype: paper\ntags: [governanse]\n"})
    _, out, _ = _run("validate", "--root", str(root))
    assert (
        "    hint: did you mean `governance`? Otherwise add it to `data/tags.yaml` first"
        in out.splitlines()
    )


def test_json_output_has_the_documented_shape(make_registry: MakeRegistry) -> None:
    root = make_registry({GOOD_PATH: GOOD + "title: x\ntype: paper\nimportance: 101\n"})
    code, out, _ = _run("validate", "--root", str(root), "--format", "json")
    document = json.loads(out)
    assert code == 1
    assert document["version"] == 1
    assert document["summary"] == {"files_checked": 5, "errors": 1, "warnings": 0}
    assert document["findings"] == [
        {
            "path": GOOD_PATH,
            "line": 6,
            "col": 13,
            "code": "S006",
            "severity": "error",
            "message": "`importance`: input should be less than or equal to 100",
            "hint": None,
        }
    ]


def test_github_output_annotates_and_writes_the_step_summary(
    make_registry: MakeRegistry, tmp_path: Path
) -> None:
    files = {
        f"data/resources/a{i}/sid_A{i}AAAAAAAA.yaml": (
            f"stable_id: sid_A{i}AAAAAAAA\nid: b5b10dd0429e69ac\nurl: https://example.org/a\n"
            "title: x\ntype: paper\n"
        )
        for i in range(6)
    }
    root = make_registry(files)
    summary = tmp_path / "summary.md"
    code, out, _ = _run(
        "validate",
        "--root",
        str(root),
        "--format",
        "github",
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    annotations = [line for line in out.splitlines() if line.startswith("::error ")]
    assert code == 1
    assert len(annotations) == 10  # 12 errors (I005 and I007 on six files), capped at 10
    assert annotations[0].startswith(
        "::error file=data/resources/a0/sid_A0AAAAAAAA.yaml,line=2,col=5,title=I005::"
    )
    assert "2 more errors are listed in the job summary" in out
    table = summary.read_text()
    assert table.startswith("## Registry validation")
    assert table.count("\n| error | I00") == 12


def test_strict_fails_on_warnings(make_registry: MakeRegistry) -> None:
    root = make_registry({GOOD_PATH: GOOD + "title: example.org\ntype: web\n"})
    assert _run("validate", "--root", str(root))[0] == 0
    assert _run("validate", "--root", str(root), "--strict")[0] == 1


def test_select_and_ignore_filter_by_code_prefix(make_registry: MakeRegistry) -> None:
    root = make_registry(
        {
            GOOD_PATH: GOOD + "title: example.org\ntype: web\n",
            "data/resources/bb/sid_BBBBBBBBBB.yaml": (
                "stable_id: sid_BBBBBBBBBB\nid: 8cae5ebf23bb1733\nurl: https://example.org/b\n"
                "title: y\ntype: paper\nimportance: 101\n"
            ),
        }
    )
    _, out, _ = _run("validate", "--root", str(root), "--select", "C")
    assert " C010 " in out
    assert " S006 " not in out
    _, out, _ = _run("validate", "--root", str(root), "--ignore", "S006,c01")
    assert out.startswith("All good")


def test_paths_limit_what_is_reported(make_registry: MakeRegistry) -> None:
    other = "data/resources/bb/sid_BBBBBBBBBB.yaml"
    root = make_registry(
        {
            GOOD_PATH: GOOD + "title: x\ntype: paper\n",
            other: (
                "stable_id: sid_BBBBBBBBBB\nid: b5b10dd0429e69ac\nurl: https://example.org/a\n"
                "title: y\ntype: paper\n"
            ),
        }
    )
    _, out, _ = _run("validate", "--root", str(root), str(root / other))
    reported = {line.split(":")[0] for line in out.splitlines() if ": I00" in line}
    assert reported == {other}


def test_unknown_code_is_a_usage_error(make_registry: MakeRegistry) -> None:
    root = make_registry({})
    code, _, err = _run("validate", "--root", str(root), "--select", "X9")
    assert code == 2
    assert "`X9` matches no rule code" in err


def test_outside_a_registry_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = _run("validate", "--root", str(tmp_path))
    assert code == 2
    assert "is not inside a registry" in err


def test_unexpected_error_exits_3_with_a_traceback(
    make_registry: MakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(validate_module, "load_vocabulary", explode)
    code, _, err = _run("validate", "--root", str(make_registry({})))
    assert code == 3
    assert "RuntimeError: boom" in err
    assert "internal error" in err


def test_rules_lists_every_code() -> None:
    code, out, _ = _run("rules")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == list(RULES)


def test_readme_documents_every_rule() -> None:
    _, table, _ = _run("rules", "--format", "markdown")
    assert table in (PROJECT_ROOT / "README.md").read_text()


def test_schemas_are_up_to_date() -> None:
    code, out, _ = _run("schemas", "--root", str(PROJECT_ROOT))
    assert (code, out) == (0, "")


def test_schema_drift_is_detected(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    for schema in (PROJECT_ROOT / "schemas").glob("*.json"):
        (tmp_path / "schemas" / schema.name).write_text(schema.read_text())
    edited = tmp_path / "schemas/resource.schema.json"
    edited.write_text(edited.read_text().replace('"maximum": 100', '"maximum": 99'))
    code, out, _ = _run("schemas", "--root", str(tmp_path))
    assert code == 1
    assert "schemas/resource.schema.json is out of date" in out
    assert _run("schemas", "--root", str(tmp_path), "--write")[0] == 0
    assert _run("schemas", "--root", str(tmp_path))[0] == 0
