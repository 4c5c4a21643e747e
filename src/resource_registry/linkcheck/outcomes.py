"""What one URL answered (:class:`Outcome`) and what a whole run found (:class:`LinkReport`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from resource_registry.content import page

GOOD_VERDICTS: Final = frozenset({"ok", "redirected"})

# What a check learned: an answer from the server (it replaces what was known), or a
# failure with none (kept beside the last answer); "unreachable" failures could not
# connect at all and count towards deciding that the network is down.
OutcomeKind = Literal["answer", "no-answer", "unreachable"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one URL answered: the content of a resource's `fetch` block."""

    url: str
    status: int
    checked_at: str
    verdict: str
    final_url: str | None = None
    bytes: int | None = None
    content_type: str | None = None
    content_sha256: str | None = None
    detail: str | None = None
    kind: OutcomeKind = "answer"
    reading: page.Reading | None = None  # what the body says, if it was read

    def fetch_block(self) -> dict[str, object]:
        block: dict[str, object] = {"status": self.status, "checked_at": self.checked_at}
        for name in ("final_url", "bytes", "content_type", "content_sha256"):
            if (value := getattr(self, name)) is not None:
                block[name] = value
        block["verdict"] = self.verdict
        return block


@dataclass(slots=True)
class LinkReport:
    """Counts for every URL, and the full outcome only of those that are not plainly ok,
    so that memory does not grow with the size of the catalog."""

    counts: Counter[str] = field(default_factory=Counter)
    notable: dict[str, Outcome] = field(default_factory=dict)  # by URL, verdict != ok
    files: dict[str, list[str]] = field(default_factory=dict)  # URL -> paths, for notable
    skipped_fresh: int = 0
    unwritten: dict[str, str] = field(default_factory=dict)  # path -> why it was left alone
    drifted: dict[str, Drift] = field(default_factory=dict)  # by URL
    archived: dict[str, str] = field(default_factory=dict)  # URL -> archived copy found
    archive_failures: dict[str, str] = field(default_factory=dict)  # URL -> why not

    @property
    def checked(self) -> int:
        return sum(self.counts.values())

    def add(self, outcome: Outcome, paths: Sequence[str]) -> None:
        self.counts[outcome.verdict] += 1
        if outcome.verdict != "ok":
            self.notable[outcome.url] = outcome
            self.files[outcome.url] = list(paths)


@dataclass(frozen=True, slots=True)
class Drift:
    """A text that moved beyond the threshold since the previous or the first check."""

    similarity: float
    fingerprint: str
    first_fingerprint: str | None
    files: list[str]
