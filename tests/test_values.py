"""Values that pass validation never crash a later step, and data never reaches a
terminal raw: the number and character rules of ``safetext``, on every command."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import TODAY, MakeRegistry, resource_text
from resource_registry import Options, validate
from resource_registry.base.safetext import for_terminal, json_for_terminal, refused_character
from resource_registry.cli import cli

ESC = "\x1b"
OSC_LINK = "\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07"
INT64_MAX = 2**63 - 1
HEAD = "stable_id: sid_Fx00000001\nid: b5b10dd0429e69ac\nurl: https://example.org/a\n"
PATH = "data/resources/fx/sid_Fx00000001.yaml"


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _findings(root: Path) -> set[tuple[str, str, int]]:
    report = validate(root, Options(today=TODAY, cache=False))
    return {(item.code, item.path, item.line) for item in report.findings}


def _strict_json(text: str) -> object:
    def refuse(constant: str) -> object:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


# --- numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "tail", "code", "line"),
    [
        ("5,000-digit integer", "importance: " + "9" * 5_000 + "\n", "P014", 6),
        ("4,000-digit hex in legacy", "legacy:\n  n: 0x" + "f" * 4_000 + "\n", "P014", 7),
        ("int64 max + 1 in legacy", f"legacy:\n  n: {INT64_MAX + 1}\n", "P014", 7),
        ("int64 min - 1 in legacy", f"legacy:\n  n: {-INT64_MAX - 2}\n", "P014", 7),
        ("NaN in legacy", "legacy:\n  a: 1\n  n: .nan\n", "P015", 8),
        ("-inf in legacy list", "legacy:\n  n: [1, -.inf]\n", "P015", 7),
        ("overflowing float", "legacy:\n  n: 1e999\n", "P015", 7),
        (
            "huge bytes in fetch",
            f"fetch:\n  status: 200\n  checked_at: '2025-01-01T00:00:00Z'\n"
            f"  bytes: {INT64_MAX + 1}\n",
            "P014",
            9,
        ),
        (
            "-inf in fetch",
            "fetch:\n  status: -.inf\n  checked_at: '2025-01-01T00:00:00Z'\n",
            "P015",
            7,
        ),
        ("huge integer key", f"legacy:\n  {10**30}: x\n", "P014", 7),
        ("NUL in legacy", 'legacy:\n  n: "a\\0b"\n', "C009", 7),
        ("NUL in a legacy key", 'legacy:\n  "a\\0": b\n', "C009", 7),
        ("NUL deep in legacy", 'legacy:\n  n:\n    - {k: ["\\0"]}\n', "C009", 8),
        (
            "NUL in fetch",
            "fetch:\n  status: 200\n  checked_at: '2025-01-01T00:00:00Z'\n"
            '  content_type: "text/html\\0"\n',
            "C009",
            9,
        ),
    ],
)
def test_a_value_no_later_step_can_hold_is_a_finding_at_its_line(
    make_registry: MakeRegistry, name: str, tail: str, code: str, line: int
) -> None:
    root = make_registry({PATH: HEAD + "title: x\ntype: paper\n" + tail})

    found = _findings(root)
    assert (code, PATH, line) in found
    assert {(path, at) for _, path, at in found} == {(PATH, line)}  # nothing else blamed
    result = _invoke("validate", "--root", str(root), "--no-cache")
    assert result.exit_code == 1, result.output


def test_int64_max_and_min_pass(make_registry: MakeRegistry) -> None:
    tail = f"legacy:\n  big: {INT64_MAX}\n  small: {-INT64_MAX - 1}\n  hex: 0x7fffffffffffffff\n"
    root = make_registry({PATH: HEAD + "title: x\ntype: paper\n" + tail})

    assert _findings(root) == set()


# --- characters ----------------------------------------------------------------------

_TOMBSTONE = (
    "stable_id: sid_RetiredAAA\nid: d1f40881e451951d\nurl: https://example.org/retired\n"
    "title: A retired resource\nretired: '2025-01-01'\nreason: {reason}\n"
)


@pytest.mark.parametrize(
    "char",
    [
        "\\0",
        "\\x1b",
        "\\x7f",
        "\\x85",
        "\\x9b",
        "\\r",
        "\\u200b",
        "\\u200e",
        "\\u200f",
        "\\u061c",
        "\\u202a",
        "\\u202e",
        "\\u2060",
        "\\u2064",
        "\\u2066",
        "\\u2069",
        "\\ufeff",
        "\\u2028",
        "\\u2029",
        "\\u180e",
    ],
)
@pytest.mark.parametrize(
    ("where", "template", "line"),
    [
        ("title", HEAD + 'title: "a{c}b"\ntype: paper\n', 4),
        ("summary", HEAD + 'title: x\ntype: paper\nsummary: "a{c}b"\n', 6),
        ("url", 'stable_id: sid_Fx00000001\nid: b5b10dd0429e69ac\nurl: "https://e.org/{c}"\n', 3),
        ("legacy value", HEAD + 'title: x\ntype: paper\nlegacy:\n  k: "a{c}b"\n', 7),
        ("legacy key", HEAD + 'title: x\ntype: paper\nlegacy:\n  "k{c}": v\n', 7),
        (
            "fetch value",
            HEAD + "title: x\ntype: paper\nfetch:\n  status: 200\n"
            "  checked_at: '2025-01-01T00:00:00Z'\n  content_type: \"text/{c}html\"\n",
            9,
        ),
        ("tag name", 'data/tags.yaml\n- id: alignment\n  name: "Align{c}ment"\n', 2),
        ("page title", 'data/pages.yaml\n- id: p\n  title: "P{c}"\n', 2),
        (
            "tombstone reason",
            "data/tombstones/re/sid_RetiredAAA.yaml\n" + _TOMBSTONE.format(reason='"x{c}"'),
            6,
        ),
    ],
)
def test_a_refused_character_is_a_finding_in_every_field(
    make_registry: MakeRegistry, char: str, where: str, template: str, line: int
) -> None:
    text = template.replace("{c}", char)
    if text.startswith("data/"):
        path, _, content = text.partition("\n")
        files = {path: content}
    else:
        path, files = PATH, {PATH: text}
        if where == "url":
            files[PATH] = text + "title: x\ntype: paper\n"
    root = make_registry(files)

    found = {(code, line_) for code, path_, line_ in _findings(root) if path_ == path}

    assert found & {("C009", line), ("C013", line)}, found


@pytest.mark.parametrize(
    ("text", "allowed"),
    [
        ("Family \U0001f468\u200d\U0001f469\u200d\U0001f467", True),  # an emoji sequence
        ("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", True),  # Persian, with ZWNJ
        ("\u0915\u094d\u200d\u0937", True),  # Devanagari half form
        ("trailing joiner\u200d", False),
        ("\u200cleading", False),
        ("a \u200d b", False),
        ("tab\tinside", True),
        ("non-breaking\u00a0space", True),
    ],
)
def test_joiners_are_allowed_only_where_text_needs_them(text: str, allowed: bool) -> None:
    assert (refused_character(text) is None) is allowed
    assert refused_character("key\u200d" + text, key=True) is not None


def test_line_breaks_are_allowed_only_in_multi_line_fields(make_registry: MakeRegistry) -> None:
    ok = HEAD + 'title: x\ntype: paper\nsummary: "a\\nb"\nlegacy:\n  note: "a\\nb"\n'
    bad = HEAD + 'title: "a\\nb"\ntype: paper\nlegacy:\n  "a\\nb": c\n'
    assert _findings(make_registry({PATH: ok})) == set()
    assert _findings(make_registry({PATH: bad})) == {("C009", PATH, 4), ("C009", PATH, 7)}


# --- every command on the boundary values ----------------------------------------------


def _boundary_registry(make_registry: MakeRegistry) -> tuple[Path, str]:
    checked = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    path, text = resource_text(
        "sid_Vb00000001",
        "https://example.org/boundary",
        title="Family \U0001f468\u200d\U0001f469\u200d\U0001f467 and \u0645\u06cc\u200c\u062e",
        importance=100,
        summary="line one\nline two",
        fetch={
            "status": 599,
            "checked_at": checked,
            "bytes": INT64_MAX,
            "content_type": "text/html",
        },
        legacy={
            "big": INT64_MAX,
            "small": -INT64_MAX - 1,
            "float": 1.7976931348623157e308,
            "tiny": 5e-324,
            "zero": -0.0,
            "text": "one\ntwo\tthree",
            "nested": {"list": [1, [2, {"deep": None}]], "flag": False},
            "": "an empty key",
            "emoji": "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
        },
    )
    return make_registry({path: text}), path


def test_every_command_succeeds_on_boundary_values(
    make_registry: MakeRegistry, tmp_path: Path
) -> None:
    root, path = _boundary_registry(make_registry)
    before = (root / path).read_bytes()

    assert _invoke("validate", "--root", str(root), "--no-cache").exit_code == 0
    assert _invoke("fmt", "--check", "--root", str(root)).exit_code == 0
    assert _invoke("fmt", "--root", str(root)).exit_code == 0
    assert (root / path).read_bytes() == before
    links = _invoke("check-links", "--root", str(root), "--format", "json")
    assert links.exit_code == 0, links.output
    assert _strict_json(links.output)["summary"]["checked"] == 0  # type: ignore[index]  # reason: a dict
    dataset = tmp_path / "ds"
    exported = _invoke("export", "--root", str(root), "--out", str(dataset), "--version", "1.0.0")
    assert exported.exit_code == 0, exported.output
    assert _invoke("verify", str(dataset)).exit_code == 0
    built = _invoke("site", "--from", str(dataset), "--out", str(tmp_path / "site"))
    assert built.exit_code == 0, built.output
    found = _invoke("lookup", "sid_Vb00000001", "--root", str(root))
    assert found.exit_code == 0
    assert "9223372036854775807" in found.output

    records = _strict_json((dataset / "resources.json").read_text(encoding="utf-8"))
    (record,) = records if isinstance(records, list) else records["resources"]  # type: ignore[index]  # reason: either shape
    assert record["legacy"]["big"] == INT64_MAX
    for name in ("manifest.json",):
        _strict_json((dataset / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "tail",
    [
        "legacy:\n  n: 0x" + "f" * 4_000 + "\n",
        "legacy:\n  n: " + "9" * 5_000 + "\n",
        "legacy:\n  n: .nan\n",
        'legacy:\n  n: "\\0"\n',
        'legacy:\n  "\\e]8;;x\\a": 1\n',
    ],
    ids=["hex", "digits", "nan", "nul", "osc-key"],
)
def test_no_command_crashes_on_a_refused_value(
    make_registry: MakeRegistry, tmp_path: Path, tail: str
) -> None:
    root = make_registry({PATH: HEAD + "title: x\ntype: paper\n" + tail})

    for args in (
        ["validate", "--root", str(root), "--no-cache"],
        ["fmt", "--root", str(root)],
        ["fmt", "--check", "--root", str(root)],
        ["check-links", "--root", str(root)],
        ["export", "--root", str(root), "--out", str(tmp_path / "ds"), "--version", "1.0.0"],
        ["site", "--root", str(root), "--out", str(tmp_path / "site")],
        ["lookup", "sid_Fx00000001", "--root", str(root)],
        ["lookup", "https://example.org/a", "--root", str(root)],
    ):
        result = _invoke(*args)
        # with no network (tests resolve no name outside loopback), check-links stops: 2
        allowed = (0, 1, 2) if args[0] == "check-links" else (0, 1)
        assert result.exit_code in allowed, (args, result.output)
        assert ESC not in result.output, args
    assert not (tmp_path / "ds").exists()


# --- nothing raw reaches a terminal ----------------------------------------------------


def _hostile_registry(make_registry: MakeRegistry) -> Path:
    osc = "\\e]8;;https://evil.example/\\aclick\\e]8;;\\a"
    tombstone = _TOMBSTONE.format(reason=f'"{osc}"')
    return make_registry(
        {
            PATH: HEAD + f'title: x\ntype: paper\nlegacy:\n  "{osc}": 1\n',
            "data/tombstones/re/sid_RetiredAAA.yaml": tombstone,
            "data/resources/fx/sid_Fx00000002.yaml": "stable_id: sid_Fx00000002\n"
            "id: 0000000000000000\nurl: https://example.org/b\ntitle: \u202eevil\ntype: web\n",
        }
    )


@pytest.mark.parametrize("output_format", ["text", "json", "github"])
def test_validate_never_prints_an_escape_sequence(
    make_registry: MakeRegistry, output_format: str
) -> None:
    root = _hostile_registry(make_registry)

    result = _invoke("validate", "--root", str(root), "--no-cache", "--format", output_format)

    assert result.exit_code == 1
    assert ESC not in result.output
    assert "\u202e" not in result.output
    assert "\x07" not in result.output
    assert "C009" in result.output
    if output_format == "json":
        messages = [item["message"] for item in _strict_json(result.output)["findings"]]  # type: ignore[index]  # reason: a dict
        assert any("\\x1b]8;;" in message for message in messages)
    else:
        assert "\\x1b]8;;https://evil.example/\\x07" in result.output


def test_lookup_never_prints_an_escape_sequence(make_registry: MakeRegistry) -> None:
    root = _hostile_registry(make_registry)

    retired = _invoke("lookup", "sid_RetiredAAA", "--root", str(root))
    live = _invoke("lookup", "sid_Fx00000002", "--root", str(root))

    assert retired.exit_code == 0
    assert ESC not in retired.output
    assert "\\x1b]8;;https://evil.example/" in retired.output
    assert live.exit_code == 0
    assert "\u202e" not in live.output
    assert "\\u202eevil" in live.output


def test_lookup_of_nothing_exits_1(make_registry: MakeRegistry) -> None:
    root = _hostile_registry(make_registry)

    result = _invoke("lookup", "https://example.org/none", "--root", str(root))

    assert result.exit_code == 1


def test_terminal_escaping_keeps_text_and_json_data() -> None:
    assert for_terminal(OSC_LINK) == "\\x1b]8;;https://evil.example/\\x07click\\x1b]8;;\\x07"
    assert for_terminal("plain é 日本 \U0001f468\u200d\U0001f469") == (
        "plain é 日本 \U0001f468\u200d\U0001f469"
    )
    assert for_terminal("a\nb\tc", line_breaks=True) == "a\nb\tc"
    assert for_terminal("a\nb") == "a\\x0ab"
    data = {"k": "\x9b\u202e\u2028\U000e0001\x7f" + OSC_LINK}
    shown = json_for_terminal(json.dumps(data, ensure_ascii=False))
    assert shown.isascii()
    assert json.loads(shown) == data
