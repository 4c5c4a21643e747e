"""An identifier source's answers for many identifiers: from the HTTP cache, else asked in
batches as large as the source allows; what it said is cached too."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence

from resource_registry.sources.base import Claims, IdentifierSource, Trouble
from resource_registry.sources.http import Client


async def answers(
    source: IdentifierSource, keys: Sequence[str], client: Client
) -> dict[str, Claims | Trouble]:
    """The source's answer for every key: from the cache, else asked in batches. An
    identifier the source does not know is an empty :class:`Claims` (cached too)."""
    by_key: dict[str, Claims | Trouble] = {}
    unknown = []
    for key in keys:
        if (cached := _cached_claims(client, source.name, key)) is not None:
            by_key[key] = cached
        else:
            unknown.append(key)
    size = source.batch_size
    batches = [unknown[i : i + size] for i in range(0, len(unknown), size)]
    results = await asyncio.gather(*(source.lookup(batch, client) for batch in batches))
    for batch, result in zip(batches, results, strict=True):
        for key in batch:
            answer = result.get(key) or Claims(source.name)
            if isinstance(answer, Claims):
                _cache_claims(client, source.name, key, answer)
            by_key[key] = answer
    return by_key


def _claims_key(source: str, key: str) -> str:
    return hashlib.sha256(f"claims\0{source}\0{key}".encode()).hexdigest()


def _cached_claims(client: Client, source: str, key: str) -> Claims | None:
    if client.cache is None:
        return None
    found = client.cache.get(_claims_key(source, key))
    if found is None:
        return None
    claims = Claims.from_json(found[1])
    if claims is not None:
        client.from_cache += 1
    return claims if claims is not None and claims.source == source else None


def _cache_claims(client: Client, source: str, key: str, claims: Claims) -> None:
    if client.cache is not None:
        client.cache.put(_claims_key(source, key), {"kind": "claims"}, claims.to_json())
