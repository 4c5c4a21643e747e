"""What the findings say: each message and hint that a new contributor depends on."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from conftest import PROJECT_ROOT, TODAY, MakeRegistry, resource_text
from resource_registry import Options, validate
from resource_registry.base.findings import Finding
from resource_registry.cli import cli

PATH = "data/resources/fx/sid_Fx00000001.yaml"
HEAD = """\
stable_id: sid_Fx00000001
id: b5b10dd0429e69ac
url: https://example.org/a
type: paper
"""


def _findings(make_registry: MakeRegistry, body: str) -> dict[str, Finding]:
    root = make_registry({PATH: HEAD + body})
    return {item.code: item for item in validate(root, Options(today=TODAY)).findings}


@pytest.mark.parametrize(
    ("body", "code", "hint"),
    [
        ("title: 1984\n", "S003", "YAML reads `1984` as a number; quote it: `title: '1984'`"),
        (
            "title: T\npublished_date: 2022\n",
            "S003",
            "YAML reads `2022` as a number; quote it: `published_date: '2022'`",
        ),
        (
            "title: T\nimportance: '80'\n",
            "S003",
            "a number is written without quotes: `importance: 80`",
        ),
        (
            "title: T\nauthors:\n  - 1984\n",
            "S003",
            "YAML reads `1984` as a number; quote it: `- '1984'`",
        ),
        (
            "title: T\nsumary: x\n",
            "S002",
            "did you mean `summary`? (`schemas/resource.schema.json` describes every field)",
        ),
        ("title: T\nfetch:\n  stauts: 200\n", "S002", "did you mean `status`?"),
        ("title: T\nlabels: [Commentary]\n", "S005", "did you mean `commentary`?"),
        ("title: T\nlabels: [comentary]\n", "S005", "did you mean `commentary`?"),
        (
            "title: T\npublication: example-pres\n",
            "R001",
            "did you mean `example-press`? Otherwise add it to `data/publications.yaml` first",
        ),
        (
            "title: T\ncited_by: [alignmnet]\n",
            "R003",
            "did you mean `alignment`? Otherwise add it to `data/pages.yaml` first",
        ),
        (
            "title: T\ntags: [governanse]\n",
            "R002",
            "did you mean `governance`? Otherwise add it to `data/tags.yaml` first",
        ),
    ],
    ids=[
        "number as title",
        "year as date",
        "quoted importance",
        "number as author",
        "misspelt field",
        "misspelt fetch field",
        "label in capitals",
        "misspelt label",
        "misspelt publication",
        "misspelt page",
        "misspelt tag",
    ],
)
def test_hints_say_how_to_write_the_value(
    make_registry: MakeRegistry, body: str, code: str, hint: str
) -> None:
    found = _findings(make_registry, body)
    assert code in found, found
    assert found[code].hint is not None
    assert hint in found[code].hint


def test_type_in_capitals_suggests_the_type(make_registry: MakeRegistry) -> None:
    root = make_registry({PATH: HEAD.replace("type: paper", "type: Blog") + "title: T\n"})
    [found] = validate(root, Options(today=TODAY)).findings
    assert (found.code, found.hint) == ("S005", "did you mean `blog`?")


def test_an_unknown_field_without_a_close_match_lists_the_fields(
    make_registry: MakeRegistry,
) -> None:
    found = _findings(make_registry, "title: T\nwhatever: x\n")["S002"]
    assert found.hint is not None
    assert found.hint.startswith("the fields are `stable_id`, `id`, `url`, `previous_urls`")
    assert found.hint.endswith("(see `schemas/resource.schema.json`)")


def test_an_unknown_field_in_a_vocabulary_names_that_file_s_schema(
    make_registry: MakeRegistry,
) -> None:
    root = make_registry({"data/tags.yaml": "- id: alignment\n  nmae: AI alignment\n"})
    [found] = validate(root, Options(today=TODAY)).findings
    assert found.hint == "did you mean `name`? (`schemas/tags.schema.json` describes every field)"


def test_i006_never_invites_editing_the_id(make_registry: MakeRegistry) -> None:
    root = make_registry({PATH: HEAD.replace("example.org/a", "example.org/moved") + "title: T\n"})
    [i006] = validate(root, Options(today=TODAY)).findings
    assert i006.code == "I006"
    assert i006.hint is not None
    assert "the id is permanent" in i006.hint
    assert "restore the URL" in i006.hint
    assert "previous_urls" in i006.hint
    assert "the id of the URL is" not in i006.hint


def test_fmt_fixes_values_whose_intended_type_is_certain(make_registry: MakeRegistry) -> None:
    root = make_registry(
        {
            PATH: HEAD
            + "title: 1984\npublished_date: 2022\nauthors: [1.50, Orwell]\nimportance: '80'\n"
            + "relevance: true\n"
        }
    )
    result = CliRunner().invoke(cli, ["fmt", "--root", str(root)], catch_exceptions=False)
    assert result.exit_code == 0
    assert f"{PATH}: fixed: quoted `title`: YAML read it as a number" in result.stdout
    assert f"{PATH}: fixed: unquoted `importance`: it is a number" in result.stdout
    text = (root / PATH).read_text()
    assert "title: '1984'\n" in text
    assert "published_date: '2022'\n" in text
    assert "  - '1.50'\n" in text  # as written, not as the float 1.5
    assert "importance: 80\n" in text
    assert "relevance: true\n" in text  # a boolean's intent is not certain: left to fix
    assert [item.code for item in validate(root, Options(today=TODAY)).findings] == ["S003"]


def test_retire_and_merge_of_a_retired_id_say_the_same(make_registry: MakeRegistry) -> None:
    root = make_registry(dict([resource_text("sid_KeepAAAAAA", "https://example.org/keep")]))
    said = []
    for args in (
        ["retire", "sid_RetiredAAA", "--reason", "Again."],
        ["merge", "sid_RetiredAAA", "sid_KeepAAAAAA"],
    ):
        result = CliRunner().invoke(cli, [*args, "--root", str(root)], catch_exceptions=False)
        assert result.exit_code == 2
        said.append(result.stderr)
    assert said[0] == said[1]
    assert said[0] == (
        "resreg: sid_RetiredAAA is already retired; `resreg lookup sid_RetiredAAA` shows its "
        "tombstone\n"
    )


def test_contributing_shows_valid_tag_page_and_publication_entries(
    make_registry: MakeRegistry,
) -> None:
    text = (PROJECT_ROOT / "CONTRIBUTING.md").read_text()
    section = text[text.index("## Add a tag, a page or a publication") :]
    section = section[: section.index("\n## ", 1)]
    blocks = re.findall(r"in `(data/\w+\.yaml)`.*?```yaml\n(.*?)```", section, re.DOTALL)
    assert [path for path, _ in blocks] == [
        "data/tags.yaml",
        "data/pages.yaml",
        "data/publications.yaml",
    ]
    base = PROJECT_ROOT / "tests/fixtures/base"
    files = {path: (base / path).read_text() + entry for path, entry in blocks}
    assert validate(make_registry(files), Options(today=TODAY)).findings == []
