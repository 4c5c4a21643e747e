"""``resreg.toml``: the registry's optional configuration, at the registry root.

Each table is a frozen dataclass whose fields are its keys, with their types and
defaults; :data:`_TABLES` names the tables. Adding a table is one dataclass, one field of
:class:`Config` and one line of :data:`_TABLES`. Anything the file holds that no table
defines (a key, a table, a value of the wrong type) is a usage error naming it: a typo
must never silently leave a safety switch at a value the author did not mean.
Secrets never belong here; they come from the environment.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, get_type_hints

from resource_registry.base.errors import UsageError

CONFIG_FILE: Final = "resreg.toml"
MAX_CONFIG_BYTES: Final = 64 * 1024


@dataclass(frozen=True, slots=True)
class Network:
    """``[network]``: what network code may connect to."""

    # True only for tests and intranet registries: lets requests reach loopback, private,
    # link-local and other addresses that are not globally routable.
    allow_private_addresses: bool = False


_REPOSITORY: Final = re.compile(
    r"https://[A-Za-z0-9.-]+(?::[0-9]+)?/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+"
)
_BRANCH: Final = re.compile(r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*")


@dataclass(frozen=True, slots=True)
class Site:
    """``[site]``: where the registry's repository is, for the site's "edit this file" and
    "report a problem" links (none when ``repository`` is empty)."""

    repository: str = ""  # https://github.com/OWNER/REPO
    branch: str = "main"

    def __post_init__(self) -> None:
        if self.repository and not _REPOSITORY.fullmatch(self.repository):
            raise UsageError(
                f"{CONFIG_FILE}: [site] repository must be https://HOST/OWNER/REPO, "
                f"not `{_shown(self.repository)}`"
            )
        if not _BRANCH.fullmatch(self.branch) or ".." in self.branch:
            raise UsageError(
                f"{CONFIG_FILE}: [site] branch `{_shown(self.branch)}` is not a branch name"
            )


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """``[knowledge_base]``: where the knowledge base's pages are and how they cite
    resources (read by ``resreg citations``; see ``kb/``)."""

    # the pages folder, relative to the registry root (``--pages`` overrides it); also the
    # prefix of each page's `path` in data/pages.yaml
    pages: str = "content/docs"
    # which files under it are pages: shell patterns matched against the path relative
    # to the pages folder, where `*` also crosses `/`
    patterns: list[str] = field(default_factory=lambda: ["*.md", "*.mdx"])
    # JSX components whose `id` attribute names a resource (its stable ID or `id`)
    components: list[str] = field(default_factory=lambda: ["R"])
    # which links to a registered URL cite it: "inline" `[text](url)`, "autolink" `<url>`,
    # "definition" `[label]: url`, "footnote" `[^n]: url`, "href" (an HTML or JSX tag's)
    links: list[str] = field(
        default_factory=lambda: ["inline", "autolink", "definition", "footnote", "href"]
    )
    # what `--convert` writes for a link to a registered resource: {id}, {stable_id}, {text}
    reference_form: str = '<R id="{id}">{text}</R>'
    # how a page's id comes from its path: "name" (the file name without its extension;
    # `index` takes its folder's name) or "path" (the path without the extension, with
    # `/` as `-`, a final `/index` dropped)
    page_id: str = "name"
    # front matter keys that give a page's title, type and quality in data/pages.yaml
    title_key: str = "title"
    type_key: str = "entityType"
    quality_key: str = "quality"
    # pages larger than this are reported and not read
    max_page_bytes: int = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Endpoints:
    """``[endpoints]``: where the metadata sources are asked; defaults are the public
    services. Tests and mirrors point them elsewhere."""

    arxiv: str = "https://export.arxiv.org/api/query"  # the full query URL
    doi: str = "https://doi.org"  # GET {doi}/{DOI} with an Accept header (CSL-JSON)
    lesswrong: str = "https://www.lesswrong.com/graphql"
    alignmentforum: str = "https://www.alignmentforum.org/graphql"
    eaforum: str = "https://forum.effectivealtruism.org/graphql"
    semanticscholar: str = "https://api.semanticscholar.org/graph/v1"
    # the Wayback Machine's availability API: the capture closest to a time
    wayback: str = "https://archive.org/wayback/available"
    # a Memento TimeGate (RFC 7089), asked as `{memento}/{url}`; empty: none is asked
    memento: str = ""
    # the Wayback Machine's Save Page Now, used only by `check-links --archive`
    savepagenow: str = "https://web.archive.org/save"

    def __post_init__(self) -> None:
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if item.name == "memento" and not value:
                continue  # none is configured
            if not value.lower().startswith(("http://", "https://")) or any(
                char.isspace() for char in value
            ):
                raise UsageError(
                    f"{CONFIG_FILE}: [endpoints] {item.name} must be an http(s) URL, "
                    f"not `{_shown(value)}`"
                )


@dataclass(frozen=True, slots=True)
class Config:
    network: Network = field(default_factory=Network)
    knowledge_base: KnowledgeBase = field(default_factory=KnowledgeBase)
    endpoints: Endpoints = field(default_factory=Endpoints)
    site: Site = field(default_factory=Site)


_TABLES: Final[dict[str, type[Any]]] = {
    "network": Network,
    "knowledge_base": KnowledgeBase,
    "endpoints": Endpoints,
    "site": Site,
}


def load(root: Path) -> Config:
    """The configuration of the registry at ``root``; defaults when it has no file."""
    path = root / CONFIG_FILE
    if path.is_symlink():
        raise UsageError(f"{CONFIG_FILE} is a symbolic link; it must be a regular file")
    try:
        with path.open("rb") as file:
            data = file.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        return Config()
    if len(data) > MAX_CONFIG_BYTES:
        raise UsageError(f"{CONFIG_FILE} is larger than {MAX_CONFIG_BYTES:,} bytes")
    return parse(data)


def parse(data: bytes) -> Config:
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise UsageError(f"{CONFIG_FILE} is not valid UTF-8 (byte {error.start})") from None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{CONFIG_FILE} is not valid TOML: {error}") from None
    tables: dict[str, Any] = {}
    for name, value in document.items():
        if name not in _TABLES:
            raise UsageError(
                f"{CONFIG_FILE}: unknown table or key `{_shown(name)}` "
                f"(known tables: {', '.join(f'[{t}]' for t in _TABLES)})"
            )
        if not isinstance(value, dict):
            raise UsageError(f"{CONFIG_FILE}: `{name}` must be a table, written `[{name}]`")
        tables[name] = _table(name, _TABLES[name], value)
    return Config(**tables)


def _table(name: str, kind: type[Any], values: dict[str, Any]) -> Any:
    types = get_type_hints(kind)
    known = [item.name for item in dataclasses.fields(kind)]
    for key, value in values.items():
        if key not in types:
            raise UsageError(
                f"{CONFIG_FILE}: unknown key `{_shown(key)}` in [{name}] "
                f"(known keys: {', '.join(known)})"
            )
        wanted = types[key]
        if wanted == list[str]:
            if not isinstance(value, list) or not all(type(item) is str for item in value):
                raise UsageError(f"{CONFIG_FILE}: [{name}] {key} must be a list of strings")
            continue
        # bool is a subclass of int: a table's int key must not take `true`
        if type(value) is not wanted:
            raise UsageError(
                f"{CONFIG_FILE}: [{name}] {key} must be a {_type_name(wanted)}, "
                f"not {_type_name(type(value))}"
            )
    return kind(**values)


def _type_name(kind: type[Any]) -> str:
    return {bool: "boolean (true or false)", str: "string", int: "integer"}.get(kind, kind.__name__)


def _shown(text: str) -> str:
    """A key as it may be printed: control and other invisible characters escaped."""
    shown = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text[:100])
    return shown + ("…" if len(text) > 100 else "")
