"""LessWrong, the Alignment Forum and the EA Forum: the GraphQL API that their software
(ForumMagnum) serves at ``/graphql``. Posts are asked for by id, several in one request
(one aliased ``post`` field each, with the ``input: {selector: {_id}}`` form both forums
accept). Forum posts are blogs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Final

from resource_registry.sources.base import Claims, Trouble
from resource_registry.sources.http import Client, Failure
from resource_registry.sources.identifiers import forum_post

BATCH_SIZE: Final = 25
POST_FIELDS: Final = (
    "_id title postedAt user { displayName } coauthors { displayName }"
    " contents { plaintextDescription }"
)


def batch_query(count: int) -> str:
    variables = ", ".join(f"$id{i}: String" for i in range(count))
    fields = " ".join(
        f"p{i}: post(input: {{selector: {{_id: $id{i}}}}}) {{ result {{ {POST_FIELDS} }} }}"
        for i in range(count)
    )
    return f"query Posts({variables}) {{ {fields} }}"


class Forum:
    batch_size = BATCH_SIZE

    def __init__(self, name: str, endpoint: str) -> None:
        self.name = name
        self.endpoint = endpoint

    def identifier(self, url: str) -> str | None:
        return forum_post(url, self.name)

    async def lookup(
        self, identifiers: Sequence[str], client: Client
    ) -> Mapping[str, Claims | Trouble]:
        payload = {
            "query": batch_query(len(identifiers)),
            "variables": {f"id{i}": key for i, key in enumerate(identifiers)},
        }
        answer = await client.post_json(self.endpoint, payload)
        if isinstance(answer, Failure):
            return dict.fromkeys(identifiers, Trouble(self.name, f"no answer ({answer.reason})"))
        if not answer.ok and answer.status != 400:
            return dict.fromkeys(identifiers, Trouble(self.name, f"HTTP {answer.status}"))
        return self.parse(answer.body, identifiers)

    def parse(self, body: bytes, identifiers: Sequence[str]) -> dict[str, Claims | Trouble]:
        try:
            document = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return dict.fromkeys(identifiers, Trouble(self.name, "the answer is not JSON"))
        data = document.get("data") if isinstance(document, dict) else None
        if not isinstance(data, dict):
            return dict.fromkeys(identifiers, Trouble(self.name, "the answer has no data"))
        found: dict[str, Claims | Trouble] = {}
        for index, key in enumerate(identifiers):
            field = data.get(f"p{index}")
            post = field.get("result") if isinstance(field, dict) else None
            if isinstance(post, dict):
                found[key] = self._claims(post)
        return found

    def _claims(self, post: Mapping[str, object]) -> Claims:
        people = [post.get("user"), *_list(post.get("coauthors"))]
        authors = [
            person["displayName"]
            for person in people
            if isinstance(person, dict) and isinstance(person.get("displayName"), str)
        ]
        values: dict[str, object] = {"type": "blog", "authors": authors}
        if isinstance(post.get("title"), str):
            values["title"] = post["title"]
        if isinstance(post.get("postedAt"), str):
            values["published_date"] = post["postedAt"]
        return Claims(self.name, values)


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []
