"""The issue forms, generated from the models and the vocabulary files (``resreg
issue-form --write``; a test fails when they drift): ``new-resource.yml`` to suggest a
resource, and ``resource-problem.yml`` to report a problem with one (the site links each
resource page to it, prefilled with the resource's stable ID).

:data:`FIELDS` is the one list of the form's fields: the form is written from it, and
:mod:`resource_registry.contrib.intake` reads an issue's body by the same labels. A
vocabulary is offered as a dropdown when the form can show it (at most
:data:`MAX_DROPDOWN_OPTIONS` ids, none of them GitHub's reserved option "None"), else as
a text field that takes ids separated by commas.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import yaml

from resource_registry.base.fsutil import atomic_write
from resource_registry.check.vocabulary import vocabulary_ids
from resource_registry.record._derived import RESOURCE_TYPES
from resource_registry.record.layout import (
    NEW_RESOURCE_FORM,
    PROBLEM_FORM,
    PROBLEM_FORM_FIELD,
    refuse_links,
)

FORM_PATH: Final = NEW_RESOURCE_FORM
FORM_LABEL: Final = "new-resource"  # the issue label the form sets; the workflow acts on it
PROBLEM_FORM_PATH: Final = PROBLEM_FORM
PROBLEM_FIELD: Final = PROBLEM_FORM_FIELD  # the id the site prefills with the stable ID
MAX_DROPDOWN_OPTIONS: Final = 200  # past this, a dropdown is no help: type the ids instead
NO_RESPONSE: Final = "_No response_"  # what GitHub writes for a field left empty
RESERVED_OPTION: Final = "none"  # GitHub adds "None" to optional dropdowns itself

Kind = Literal["input", "dropdown", "textarea"]


@dataclass(frozen=True, slots=True)
class FormField:
    """One field: ``id`` is the issue form's id and the key the intake reads it as;
    ``vocabulary`` names the vocabulary file whose ids it offers, if any."""

    id: str
    label: str
    description: str
    kind: Kind = "input"
    required: bool = False
    placeholder: str = ""
    multiple: bool = False
    options: tuple[str, ...] = ()
    vocabulary: str | None = None


FIELDS: Final = (
    FormField(
        "url",
        "URL",
        "The address of the resource: a paper, post, report, talk... (http or https).",
        required=True,
        placeholder="https://example.org/a-report",
    ),
    FormField(
        "title",
        "Title",
        "Its title, as the resource gives it; left empty, the page's own metadata gives it.",
        placeholder="The title of the resource",
    ),
    FormField(
        "type",
        "Type",
        "What kind of resource it is (web when unsure).",
        kind="dropdown",
        options=RESOURCE_TYPES,
    ),
    FormField(
        "tags",
        "Tags",
        "Topic tags from the registry's tag list.",
        kind="dropdown",
        multiple=True,
        vocabulary="tags",
    ),
    FormField(
        "cited_by",
        "Cited by",
        "The knowledge-base pages that cite it.",
        kind="dropdown",
        multiple=True,
        vocabulary="pages",
    ),
    FormField(
        "relevance",
        "Why the knowledge base cites it",
        "One line: what it supports or shows.",
        placeholder="The primary source for the figures on the compute page.",
    ),
)

_INTRO: Final = (
    "Suggest a resource for the registry. When you submit, a workflow checks it with the "
    "same rules as every change (the URL is not already recorded, the tags and pages "
    "exist, the text holds no control or invisible characters) and opens a pull request "
    "that adds it, or answers here with what to fix. Editing the issue runs it again."
)


def fields(root: Path) -> tuple[FormField, ...]:
    """:data:`FIELDS` with each vocabulary's ids as options, or as a text field where a
    dropdown cannot show them."""
    ids = vocabulary_ids(root)
    return tuple(_with_vocabulary(field, ids) for field in FIELDS)


def _with_vocabulary(field: FormField, ids: dict[str, set[str]]) -> FormField:
    if field.vocabulary is None:
        return field
    options = tuple(sorted(ids[field.vocabulary]))
    if 0 < len(options) <= MAX_DROPDOWN_OPTIONS and all(
        option.lower() != RESERVED_OPTION for option in options
    ):
        return FormField(**{**_as_dict(field), "options": options})
    return FormField(
        **{
            **_as_dict(field),
            "kind": "input",
            "multiple": False,
            "description": f"{field.description} Ids from `data/{field.vocabulary}.yaml`, "
            "separated by commas.",
        }
    )


def _as_dict(field: FormField) -> dict[str, Any]:
    return {name: getattr(field, name) for name in FormField.__slots__}


def form(root: Path) -> dict[str, Any]:
    """The issue form as data."""
    body: list[dict[str, Any]] = [{"type": "markdown", "attributes": {"value": _INTRO}}]
    body += (_element(field) for field in fields(root))
    return {
        "name": "New resource",
        "description": "Suggest a web resource for the registry; a pull request adds it.",
        "title": "New resource: ",
        "labels": [FORM_LABEL],
        "body": body,
    }


def _element(field: FormField) -> dict[str, Any]:
    attributes: dict[str, Any] = {"label": field.label, "description": field.description}
    if field.kind == "dropdown":
        attributes["multiple"] = field.multiple
        attributes["options"] = list(field.options)
    elif field.placeholder:
        attributes["placeholder"] = field.placeholder
    return {
        "type": field.kind,
        "id": field.id,
        "attributes": attributes,
        "validations": {"required": field.required},
    }


_HEADER: Final = (
    "# Generated by `resreg issue-form --write` from the models and the vocabulary\n"
    "# files; edit those, not this file (a test fails when the two differ).\n"
)

PROBLEMS: Final = (
    "The URL is dead or has moved",
    "The title or another detail is wrong",
    "It is a duplicate of another resource",
    "It should not be in the registry",
    "Something else",
)


def problem_form() -> dict[str, Any]:
    """The form for reporting a problem with a resource (it depends on no vocabulary)."""
    return {
        "name": "Problem with a resource",
        "description": "Report a dead link, a wrong detail or a duplicate in the registry.",
        "title": "Problem with a resource: ",
        "labels": ["resource-problem"],
        "body": [
            {
                "type": "input",
                "id": PROBLEM_FIELD,
                "attributes": {
                    "label": "Resource",
                    "description": "Its stable ID (sid_...) or URL; the site fills it in.",
                    "placeholder": "sid_0123456789",
                },
                "validations": {"required": True},
            },
            {
                "type": "dropdown",
                "id": "problem",
                "attributes": {
                    "label": "What is wrong",
                    "multiple": False,
                    "options": list(PROBLEMS),
                },
                "validations": {"required": True},
            },
            {
                "type": "textarea",
                "id": "details",
                "attributes": {
                    "label": "Details",
                    "description": "What you found, and what it should say (with a source).",
                },
                "validations": {"required": False},
            },
        ],
    }


def _yaml(data: dict[str, Any]) -> str:
    return _HEADER + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=88)


def render(root: Path) -> dict[str, str]:
    """Each form file's path and YAML text."""
    return {FORM_PATH: _yaml(form(root)), PROBLEM_FORM_PATH: _yaml(problem_form())}


def stale(root: Path) -> list[str]:
    """The form files that differ from what :func:`render` writes (or are missing)."""
    return [
        path
        for path, text in render(root).items()
        if not (root / path).is_file() or (root / path).read_text(encoding="utf-8") != text
    ]


def write(root: Path) -> list[str]:
    """Write the form files (never through a link); return their paths."""
    texts = render(root)
    for path, text in texts.items():
        refuse_links(root, path)
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        atomic_write(root / path, text.encode())
    return list(texts)


def labels(elements: Sequence[FormField] = FIELDS) -> dict[str, str]:
    """Each field's label and its id: how the intake reads an issue's sections."""
    return {field.label: field.id for field in elements}
