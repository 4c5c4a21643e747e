"""The ``fetch`` block ``new`` records from the answer to its request for the page."""

from __future__ import annotations

import datetime as dt
import hashlib

from resource_registry.content.page import status_verdict
from resource_registry.record import urls
from resource_registry.sources.http import Answer, Failure
from resource_registry.sources.httpheaders import media_type


def fetch_block(page: Answer | Failure, now: dt.datetime) -> dict[str, object] | None:
    """The resource's ``fetch`` block for what answered ``new``'s request."""
    if isinstance(page, Failure):
        return None
    block: dict[str, object] = {
        "status": page.status,
        "checked_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    moved = page.final_url != page.hops[0] if page.hops else False
    if moved and len(page.final_url) <= 2048 and urls.shape_problem(page.final_url) is None:
        block["final_url"] = page.final_url
    block["bytes"] = len(page.body)
    if (kind := media_type(page.content_type)) is not None:
        block["content_type"] = kind
    block["content_sha256"] = hashlib.sha256(page.body).hexdigest()
    block["verdict"] = status_verdict(page.status, moved)
    return block
