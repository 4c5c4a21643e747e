"""The one interface every metadata source has, and what a source says.

Two kinds of source, tried in order (see :mod:`.gather`):

- an :class:`IdentifierSource` recognises an identifier in the URL (an arXiv id, a DOI,
  a forum post id) and asks an API about many identifiers at once, in batches of at most
  its ``batch_size``;
- a :class:`PageSource` reads the page the URL answers with (HTML tags, main text, PDF
  metadata) and needs no request of its own.

A source returns :class:`Claims`: raw values, as the source states them. Cleaning and
checking them is not the source's job; :mod:`.clean` does it for every source alike, so
that a source answering garbage costs a finding, never a crash or an invalid file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from resource_registry.sources.http import Answer, Client


@dataclass(frozen=True, slots=True)
class Claims:
    """What one source states about one resource: field name -> raw value.

    Values are what the format's fields want (``title``, ``abstract`` and ``type`` as
    strings, ``authors`` a list of names, ``published_date`` any date text); anything
    else is dropped by :mod:`.clean` with a finding."""

    source: str
    values: Mapping[str, object] = field(default_factory=dict)

    def to_json(self) -> bytes:
        return json.dumps({"source": self.source, "values": dict(self.values)}).encode()

    @staticmethod
    def from_json(data: bytes) -> Claims | None:
        try:
            loaded = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(loaded, dict):
            return None
        source, values = loaded.get("source"), loaded.get("values")
        if not isinstance(source, str) or not isinstance(values, dict):
            return None
        return Claims(source, values)


@dataclass(frozen=True, slots=True)
class Trouble:
    """A source that gave no usable answer for an identifier, and why (finding M004)."""

    source: str
    reason: str


class IdentifierSource(Protocol):
    """An API asked by identifier, in batches."""

    @property
    def name(self) -> str:
        """The provenance name written in a resource's ``sources``."""

    @property
    def batch_size(self) -> int:
        """The most identifiers one request may carry."""

    def identifier(self, url: str) -> str | None:
        """The identifier this source looks up for ``url``, or None if it has none."""

    async def lookup(
        self, identifiers: Sequence[str], client: Client
    ) -> Mapping[str, Claims | Trouble]:
        """Ask about ``identifiers`` (at most ``batch_size``). Identifiers the source does
        not know are left out of the answer."""


class PageSource(Protocol):
    """A reader of the page a URL answers with."""

    @property
    def name(self) -> str: ...

    def read(self, page: Answer) -> Sequence[Claims]:
        """What the page states (one :class:`Claims` per vocabulary it uses)."""
