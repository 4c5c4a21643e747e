"""`resreg citations` on the shared legacy wiki's 423 pages against its imported corpus.

The pages and the corpus live outside the project (``../shared/corpus/legacy-wiki``,
never copied in); these tests skip when that folder is absent. What the command finds is
compared with a small independent scan written here: every `<R id>` and every link to a
registered resource's URL must be found, and nothing else.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from conftest import PROJECT_ROOT
from resource_registry.base.config import KnowledgeBase
from resource_registry.edit.legacy_import import import_legacy
from resource_registry.kb import citations
from resource_registry.record.urls import normalize

# beside the project (``../shared``), or beside a folder of worktrees that holds it
CORPUS = next(
    (
        folder / "shared" / "corpus" / "legacy-wiki"
        for folder in PROJECT_ROOT.parents
        if (folder / "shared" / "corpus" / "legacy-wiki").is_dir()
    ),
    PROJECT_ROOT.parent / "shared" / "corpus" / "legacy-wiki",
)
PAGES = CORPUS / "pages" / "content" / "docs"
needs_corpus = pytest.mark.skipif(
    not PAGES.is_dir(), reason="the shared legacy corpus (with its pages) is not present"
)

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_FENCED = re.compile(r"^[ \t]*```.*?^[ \t]*```[ \t]*$", re.S | re.M)
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
_COMMENTS = re.compile(r"\{/\*.*?\*/\}|<!--.*?-->", re.S)
_COMPONENT = re.compile(r"""<R\s+id=["']([^"']+)["']""")
_LINK = re.compile(r"(?<!!)\[[^\]\n]*\]\((https?://(?:[^\s()]|\([^\s()]*\))+)\)")
_HREF = re.compile(r"""\shref=["'](https?://[^"']+)["']""")


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not PAGES.is_dir():
        pytest.skip("the shared legacy corpus (with its pages) is not present")
    into = tmp_path_factory.mktemp("corpus")
    import_legacy(
        sorted((CORPUS / "resources").glob("*.yaml")),
        into,
        publications=CORPUS / "publications.yaml",
        pages=CORPUS / "pages.yaml",
    )
    return into


def _resources(root: Path) -> list[dict[str, object]]:
    return [
        yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
        for path in sorted((root / "data/resources").rglob("*.yaml"))
    ]


def _independent_edges(root: Path) -> set[tuple[str, str]]:
    """(stable ID, page id) for every `<R id>` and registered link, by plain regexes."""
    by_id, by_url, by_normal = defaultdict(set), defaultdict(set), defaultdict(set)
    for record in _resources(root):
        sid = str(record["stable_id"])
        by_id[str(record["id"])].add(sid)
        by_id[sid.lower()].add(sid)
        for url in [record["url"], *record.get("previous_urls", [])]:  # type: ignore[list-item]  # reason: test data
            by_url[str(url)].add(sid)
            by_normal[normalize(str(url))].add(sid)
    edges = set()
    for path in sorted(PAGES.rglob("*.mdx")):
        page = path.parent.name if path.stem == "index" else path.stem
        if path.parent == PAGES and path.stem == "index":
            page = PAGES.name
        body = _FRONT_MATTER.sub("", path.read_text(encoding="utf-8"))
        body = _INLINE_CODE.sub("", _COMMENTS.sub("", _FENCED.sub("", body)))
        for value in _COMPONENT.findall(body):
            edges |= {(sid, page) for sid in by_id.get(value, by_id.get(value.lower(), ()))}
        for url in _LINK.findall(body) + _HREF.findall(body):
            sids = by_url.get(url) or by_normal.get(normalize(url), set())
            edges |= {(sid, page) for sid in sids}
    return edges


@needs_corpus
def test_every_reference_and_registered_link_in_the_shared_pages_is_found(
    imported: Path,
) -> None:
    settings = KnowledgeBase()
    outcome = citations.run(imported, PAGES, "pages", settings, citations.Options())
    found = {(sid, page) for sid, pages in outcome.cited_by.items() for page in pages}
    expected = _independent_edges(imported)
    assert len(expected) > 2000
    assert found == expected
    assert outcome.pages == 423
    assert not [item for item in outcome.findings if item.code in {"K007", "K008", "K009"}]


@needs_corpus
def test_write_on_the_shared_pages_makes_check_pass(imported: Path, tmp_path: Path) -> None:
    settings = KnowledgeBase()
    written = citations.run(imported, PAGES, "pages", settings, citations.Options(write=True))
    assert len(written.rewritten) > 1000
    again = citations.run(imported, PAGES, "pages", settings, citations.Options())
    assert not [item for item in again.findings if item.code in {"K001", "K002", "K012", "K013"}]
    assert again.cited_by == written.cited_by
    pages = yaml.load((imported / "data/pages.yaml").read_text(), Loader=yaml.CSafeLoader)
    assert len(pages) == 423
