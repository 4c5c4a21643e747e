"""A file that does not parse keeps the identity that can be read from it: its stable ID
from its name, `url` and `id` from their own lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import TODAY, MakeRegistry, resource_text
from resource_registry import Options, validate
from resource_registry.check.tombstones import tombstone_path
from resource_registry.cli import cli
from resource_registry.edit.authoring import DuplicateError, new_resource
from resource_registry.record.salvage import salvage_identity
from resource_registry.record.urls import resource_id

BROKEN_ID = "sid_Brok3n0001"
URL = "https://example.org/yes-we-can"
REDIRECT = "sid_RetiredAAA"  # the fixture base's tombstone, redirected to the broken file


@pytest.fixture
def broken(make_registry: MakeRegistry) -> Path:
    """A registry whose one resource no longer parses (an unquoted `: ` in its title),
    and whose tombstone redirects to that resource."""
    path, text = resource_text(BROKEN_ID, URL, title="Placeholder")
    assert "title: Placeholder\n" in text
    root = make_registry({path: text.replace("Placeholder", "Yes: we can")})
    stone = root / tombstone_path(REDIRECT)
    stone.write_text(stone.read_text() + f"replaced_by: {BROKEN_ID}\n")
    return root


def _lookup(root: Path, query: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["lookup", query, "--root", str(root)], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("query", [BROKEN_ID, BROKEN_ID.lower(), URL, resource_id(URL)])
def test_lookup_finds_a_file_that_does_not_parse_and_says_so(broken: Path, query: str) -> None:
    code, out, err = _lookup(broken, query)
    assert (code, err) == (0, "")
    path = f"data/resources/br/{BROKEN_ID}.yaml"
    assert out.startswith(f"# {path} (")
    assert out.splitlines()[0].endswith("match; it does not parse)")


def test_lookup_of_a_redirect_to_it_leads_there(broken: Path) -> None:
    code, out, _ = _lookup(broken, REDIRECT)
    assert code == 0
    assert f"replaced by {BROKEN_ID}: data/resources/br/{BROKEN_ID}.yaml" in out


def test_new_refuses_its_url_as_a_duplicate(broken: Path) -> None:
    with pytest.raises(DuplicateError, match=f"already in the registry as {BROKEN_ID}"):
        new_resource(broken, URL, title="Yes we can")
    result = CliRunner().invoke(
        cli, ["new", URL, "--title", "Again", "--root", str(broken)], catch_exceptions=False
    )
    assert result.exit_code == 1
    assert list((broken / "data/resources").rglob("*.yaml")) == [
        broken / f"data/resources/br/{BROKEN_ID}.yaml"
    ]


@pytest.mark.parametrize("cache", [False, True])
def test_only_the_broken_file_is_blamed(broken: Path, cache: bool) -> None:
    for _ in range(2):  # cold, then (with the cache) warm
        report = validate(broken, Options(today=TODAY, cache=cache))
        assert {(f.path, f.code) for f in report.findings} == {
            (f"data/resources/br/{BROKEN_ID}.yaml", "P001")
        }


def test_a_second_file_with_its_url_is_a_duplicate(broken: Path) -> None:
    path, text = resource_text("sid_Second0001", URL)
    (broken / path).parent.mkdir(parents=True, exist_ok=True)
    (broken / path).write_text(text)
    found = {(f.path, f.code) for f in validate(broken, Options(today=TODAY)).findings}
    assert (path, "I007") in found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"url: https://a.example/x\nid: 0123456789abcdef\ntitle: a: b\n", "both"),
        (b"url: 'https://a.example/x'\nid: \"0123456789abcdef\"\n[", "both"),
        (b"url: https://a.example/x  # a comment\r\nid: 0123456789abcdef\r\n: :", "both"),
        (b"  url: https://a.example/x\n  id: 0123456789abcdef\n", "none"),  # not top level
        (b"url: https://a.example/x\nurl: https://b.example/\nid: 0123456789ABCDEF\n", "none"),
        (b"url: not a url\nid: 0123\nnotes:\n  url: https://a.example/x\n", "none"),
        (b"url:\n  https://a.example/x\nid: 0123456789abcdef0\n", "none"),
        (b"url: https://a.example/\xff\nid: 0123456789abcdef\n", "id"),
    ],
)
def test_only_certain_lines_are_salvaged(text: bytes, expected: str) -> None:
    wanted = {"url": "https://a.example/x", "id": "0123456789abcdef"}
    if expected == "none":
        wanted = {}
    elif expected == "id":
        wanted = {"id": "0123456789abcdef"}
    assert salvage_identity(text) == wanted
