"""The issue form: generated from the models and vocabularies without drift, and held to
GitHub's issue-form rules (the published schema, and the rules its documentation lists
beyond the schema: unique ids and labels, required keys, permitted attributes)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from conftest import FIXTURES, PROJECT_ROOT
from resource_registry.cli import cli
from resource_registry.contrib import issueform
from resource_registry.record._derived import RESOURCE_TYPES

FORM = PROJECT_ROOT / issueform.FORM_PATH
FORMS = [issueform.FORM_PATH, issueform.PROBLEM_FORM_PATH]

# From GitHub's "Syntax for issue forms" and "Syntax for GitHub's form schema".
_TOP_LEVEL = {"name", "description", "body", "assignees", "labels", "title", "projects", "type"}
_REQUIRED_TOP_LEVEL = {"name", "description", "body"}
_ATTRIBUTES = {
    "markdown": ({"value"}, {"value"}),
    "input": ({"label", "description", "placeholder", "value"}, {"label"}),
    "textarea": ({"label", "description", "placeholder", "value", "render"}, {"label"}),
    "dropdown": ({"label", "description", "multiple", "options", "default"}, {"label", "options"}),
    "checkboxes": ({"label", "description", "options"}, {"label", "options"}),
}
_ELEMENT_KEYS = {"type", "id", "attributes", "validations"}
_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_FORBIDDEN_LABEL_WORDS = ("password",)


def form_problems(form: Any) -> Iterator[str]:
    """Every rule of GitHub's issue forms that ``form`` (parsed YAML) breaks."""
    if not isinstance(form, dict):
        yield "the form is not a mapping"
        return
    yield from (f"`{key}` is not a permitted top-level key" for key in form.keys() - _TOP_LEVEL)
    yield from (
        f"required top-level key `{key}` is missing" for key in _REQUIRED_TOP_LEVEL - form.keys()
    )
    for key in ("name", "description", "title"):
        if key in form and (not isinstance(form[key], str) or not form[key].strip()):
            yield f"`{key}` must be a non-empty string"
    body = form.get("body")
    if not isinstance(body, list) or not body:
        yield "body cannot be empty"
        return
    if all(isinstance(e, dict) and e.get("type") == "markdown" for e in body):
        yield "body must contain at least one non-markdown field"
    ids: list[str] = []
    labels: list[str] = []
    for index, element in enumerate(body):
        for problem in _element_problems(element, ids, labels):
            yield f"body[{index}]: {problem}"
    if len(ids) != len(set(ids)):
        yield "body must have unique ids"
    if len(labels) != len(set(labels)):
        yield "body must have unique labels"


def _element_problems(element: Any, ids: list[str], labels: list[str]) -> Iterator[str]:
    if not isinstance(element, dict) or "type" not in element:
        yield "required key type is missing"
        return
    kind = element["type"]
    if kind not in _ATTRIBUTES:
        yield f"`{kind}` is not a valid input type"
        return
    yield from (f"`{key}` is not a permitted key" for key in element.keys() - _ELEMENT_KEYS)
    attributes = element.get("attributes")
    if not isinstance(attributes, dict):
        yield "attributes are missing"
        return
    permitted, required = _ATTRIBUTES[kind]
    yield from (f"`{key}` is not a permitted attribute" for key in attributes.keys() - permitted)
    yield from (
        f"required attribute key `{key}` is missing" for key in required - attributes.keys()
    )
    for key, value in attributes.items():
        if key in ("label", "description", "placeholder", "value", "render") and (
            not isinstance(value, str) or not value.strip()
        ):
            yield f"{key} must be a non-empty string"
    if kind == "markdown":
        if "id" in element or "validations" in element:
            yield "a markdown element takes no id and no validations"
        return
    yield from _input_problems(kind, element, attributes, ids, labels)


def _input_problems(
    kind: str,
    element: dict[str, Any],
    attributes: dict[str, Any],
    ids: list[str],
    labels: list[str],
) -> Iterator[str]:
    if "id" in element:
        if not isinstance(element["id"], str) or not _ID.match(element["id"]):
            yield "`id` can only contain numbers, letters, -, _"
        ids.append(str(element["id"]))
    label = attributes.get("label")
    if isinstance(label, str):
        labels.append(label)
        forbidden = any(word in label.lower() for word in _FORBIDDEN_LABEL_WORDS)
        if kind in ("input", "textarea") and forbidden:
            yield "`label` contains forbidden word"
    validations = element.get("validations", {})
    if not isinstance(validations, dict) or set(validations) - {"required"}:
        yield "validations take only `required`"
    elif not isinstance(validations.get("required", False), bool):
        yield "`required` must be a boolean"
    if kind == "dropdown":
        yield from _option_problems(attributes)


def _option_problems(attributes: dict[str, Any]) -> Iterator[str]:
    options = attributes.get("options")
    if not isinstance(options, list) or not options:
        yield "`options` cannot be empty"
        return
    if not all(isinstance(option, str) and option.strip() for option in options):
        yield "`options` must not include booleans or non-strings"
        return
    if len(set(options)) != len(options):
        yield "`options` must be unique"
    if any(option.lower() == "none" for option in options):
        yield "`options` must not include the reserved word, none"
    if not isinstance(attributes.get("multiple", False), bool):
        yield "`multiple` must be a boolean"
    default = attributes.get("default")
    if default is not None and not (isinstance(default, int) and 0 <= default < len(options)):
        yield "`default` must be the index of an option"


def test_the_checked_in_forms_are_the_generated_ones() -> None:
    rendered = issueform.render(PROJECT_ROOT)
    assert sorted(rendered) == sorted(FORMS)
    for path, text in rendered.items():
        assert (PROJECT_ROOT / path).read_text(encoding="utf-8") == text, (
            "run `resreg issue-form --write`"
        )
    result = CliRunner().invoke(
        cli, ["issue-form", "--root", str(PROJECT_ROOT)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("path", FORMS)
def test_each_form_keeps_githubs_rules(path: str) -> None:
    form = yaml.safe_load((PROJECT_ROOT / path).read_text(encoding="utf-8"))
    assert list(form_problems(form)) == []


def test_the_new_resource_form_asks_for_every_field() -> None:
    form = yaml.safe_load(FORM.read_text(encoding="utf-8"))
    by_id = {element.get("id"): element for element in form["body"]}
    assert by_id["url"]["validations"] == {"required": True}
    assert [by_id[key]["validations"]["required"] for key in ("title", "type", "tags")] == [
        False
    ] * 3
    assert by_id["type"]["attributes"]["options"] == list(RESOURCE_TYPES)
    assert {element.get("id") for element in form["body"]} >= {
        field.id for field in issueform.FIELDS
    }


@pytest.mark.parametrize("path", FORMS)
def test_each_form_passes_the_published_issue_forms_schema(path: str) -> None:
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "check-jsonschema"),
            "--builtin-schema",
            "vendor.github-issue-forms",
            str(PROJECT_ROOT / path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


BROKEN = {
    "duplicate id": (
        lambda f: f["body"][2].update(id="url"),
        "body must have unique ids",
    ),
    "duplicate label": (
        lambda f: f["body"][2]["attributes"].update(label="URL"),
        "body must have unique labels",
    ),
    "no name": (lambda f: f.pop("name"), "required top-level key `name` is missing"),
    "unknown top-level key": (
        lambda f: f.update(hello="world"),
        "`hello` is not a permitted top-level key",
    ),
    "unknown type": (
        lambda f: f["body"][1].update(type="select"),
        "body[1]: `select` is not a valid input type",
    ),
    "unknown attribute": (
        lambda f: f["body"][1]["attributes"].update(options=["a"]),
        "body[1]: `options` is not a permitted attribute",
    ),
    "dropdown without options": (
        lambda f: f["body"][3]["attributes"].pop("options"),
        "body[3]: required attribute key `options` is missing",
    ),
    "reserved option": (
        lambda f: f["body"][3]["attributes"]["options"].append("None"),
        "body[3]: `options` must not include the reserved word, none",
    ),
    "boolean option": (
        lambda f: f["body"][3]["attributes"]["options"].append(True),
        "body[3]: `options` must not include booleans or non-strings",
    ),
    "bad id": (
        lambda f: f["body"][1].update(id="the url"),
        "body[1]: `id` can only contain numbers, letters, -, _",
    ),
    "forbidden label": (
        lambda f: f["body"][2]["attributes"].update(label="Password"),
        "body[2]: `label` contains forbidden word",
    ),
    "markdown only": (
        lambda f: f.update(body=f["body"][:1]),
        "body must contain at least one non-markdown field",
    ),
    "empty label": (
        lambda f: f["body"][1]["attributes"].update(label=" "),
        "body[1]: label must be a non-empty string",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_the_rules_catch_each_mistake(case: str) -> None:
    form = yaml.safe_load(FORM.read_text(encoding="utf-8"))
    change, expected = BROKEN[case]
    change(form)
    assert expected in list(form_problems(form))


def _registry(tmp_path: Path, tags: str) -> Path:
    root = tmp_path / "registry"
    shutil.copytree(FIXTURES / "base", root)
    (root / "data/resources").mkdir()
    (root / "data/tags.yaml").write_text(tags)
    return root


def test_a_new_tag_makes_the_form_stale_until_it_is_written(tmp_path: Path) -> None:
    root = _registry(tmp_path, "- id: alignment\n")
    runner = CliRunner()
    args = ["issue-form", "--root", str(root)]
    result = runner.invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 1
    assert "run `resreg issue-form --write`" in result.stdout
    assert runner.invoke(cli, [*args, "--write"], catch_exceptions=False).exit_code == 0
    assert runner.invoke(cli, args, catch_exceptions=False).exit_code == 0
    (root / "data/tags.yaml").write_text("- id: alignment\n- id: biology\n")
    assert runner.invoke(cli, args, catch_exceptions=False).exit_code == 1
    form = yaml.safe_load((root / issueform.FORM_PATH).read_text())
    assert list(form_problems(form)) == []


@pytest.mark.parametrize(
    "tags",
    [
        "".join(f"- id: tag-{n}\n" for n in range(issueform.MAX_DROPDOWN_OPTIONS + 1)),
        "- id: none\n- id: alignment\n",  # GitHub reserves the option "None"
        "[]\n",
    ],
)
def test_a_vocabulary_a_dropdown_cannot_show_becomes_a_text_field(
    tmp_path: Path, tags: str
) -> None:
    root = _registry(tmp_path, tags)
    form = yaml.safe_load(issueform.render(root)[issueform.FORM_PATH])
    (element,) = [element for element in form["body"] if element.get("id") == "tags"]
    assert element["type"] == "input"
    assert "separated by commas" in element["attributes"]["description"]
    assert list(form_problems(form)) == []
