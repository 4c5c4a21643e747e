"""The fetch block a check leaves: an answer replaces it, a failure is counted beside the
last answer, and the text's fields are kept from the last good answer, drift measured."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any, Final

from resource_registry.content import fingerprint, page
from resource_registry.linkcheck.outcomes import GOOD_VERDICTS, Outcome
from resource_registry.record._derived import FIELD_ORDER

# A failure with no answer (timeout, reset, refused connection, 5xx) marks a link dead
# only when it persists: this many checks in a row, the first at least this long ago.
DEAD_AFTER_FAILURES: Final = 2
DEAD_AFTER: Final = dt.timedelta(days=7)
FETCH_FIELDS: Final = FIELD_ORDER["Fetch"]
_FAILURE_FIELDS: Final = frozenset({"failures", "failing_since"})
_MAX_FAILURES: Final = 999_999  # the schema's bound
_FINGERPRINT: Final = re.compile(r"[0-9a-f]{16}")
# what the last good answer said about the text: kept until another good answer
_CONTENT_FIELDS: Final = (*page.CONTENT_FIELDS, "first_fingerprint")
_ARCHIVE_FIELDS: Final = ("archive_url", "archived_at")


def checked_at(fetch: object) -> dt.datetime | None:
    if not isinstance(fetch, dict) or not isinstance(fetch.get("checked_at"), str):
        return None
    return _time(fetch["checked_at"])


def _time(text: object) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def merged_fetch(old: object, outcome: Outcome, now: dt.datetime) -> dict[str, object]:
    """The fetch block after ``outcome``: an answer replaces what was known; a failure
    with no answer keeps the last answer and counts itself beside it, and declares the
    link dead only when failures persist (:data:`DEAD_AFTER_FAILURES`, :data:`DEAD_AFTER`)."""
    if outcome.kind == "answer":
        return _with_content(outcome.fetch_block(), old, outcome)
    if isinstance(old, dict) and _is_answer_block(old):
        block = {k: v for k, v in old.items() if k in FETCH_FIELDS and k not in _FAILURE_FIELDS}
        failures = min(failure_count(old) + 1, _MAX_FAILURES)
        since = old.get("failing_since") if failure_count(old) else None
        if _time(since) is None:
            since = outcome.checked_at
    else:
        block, failures, since = outcome.fetch_block(), 1, outcome.checked_at
    block["failures"] = failures
    block["failing_since"] = since
    started = _time(since)
    if failures >= DEAD_AFTER_FAILURES and started is not None and now - started >= DEAD_AFTER:
        block["verdict"] = "dead"
    return block


def _with_content(block: dict[str, object], old: object, outcome: Outcome) -> dict[str, object]:
    """``block`` with the content fields: read from this answer when it is a good one with
    a text (then compared with the previous and the first text), else kept from the last
    good answer; the archived copy is always kept."""
    known = old if isinstance(old, dict) else {}
    reading = outcome.reading
    previous = _fingerprint(known.get("fingerprint"))
    fresh = reading is not None and outcome.verdict in GOOD_VERDICTS
    if reading is not None and fresh and (reading.fingerprint or previous is None):
        block.update(reading.fields())
        current = reading.fingerprint
        first = _fingerprint(known.get("first_fingerprint")) or previous
        if current is not None and first is not None:
            if first != current:
                block["first_fingerprint"] = first
            scores = [fingerprint.similarity(seen, current) for seen in (previous, first) if seen]
            if min(scores) < fingerprint.DRIFT_BELOW:
                block["similarity"] = min(scores)
    else:
        block.update({name: known[name] for name in _CONTENT_FIELDS if name in known})
    block.update({name: known[name] for name in _ARCHIVE_FIELDS if name in known})
    return block


def _fingerprint(value: object) -> str | None:
    return value if isinstance(value, str) and _FINGERPRINT.fullmatch(value) else None


def _is_answer_block(old: Mapping[object, object]) -> bool:
    status, checked = old.get("status"), old.get("checked_at")
    return type(status) is int and _time(checked) is not None


def failure_count(old: Mapping[Any, object]) -> int:
    count = old.get("failures")
    return count if type(count) is int and 0 < count <= _MAX_FAILURES else 0
