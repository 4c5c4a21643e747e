"""Facts of the record format, derived from models.py by `scripts/generate-derived`;
do not edit. Tests fail when they differ from the models.

With them, commands that check or write data files need only pydantic-core, not
pydantic: loading pydantic and building the models costs a quarter of a second, half of
a warm validation. The core schemas are used only with the pydantic-core version they
were generated with (see records.py).
"""

from typing import Any, Final

RESOURCE_TYPES: Final = (
    "paper",
    "blog",
    "report",
    "book",
    "talk",
    "podcast",
    "government",
    "reference",
    "web",
)

FIELD_ORDER: Final[dict[str, tuple[str, ...]]] = {
    "Resource": (
        "stable_id",
        "id",
        "url",
        "previous_urls",
        "title",
        "type",
        "publication",
        "published_date",
        "authors",
        "importance",
        "labels",
        "relevance",
        "summary",
        "review",
        "abstract",
        "key_points",
        "tags",
        "cited_by",
        "fetch",
        "sources",
        "legacy",
    ),
    "Fetch": (
        "status",
        "checked_at",
        "final_url",
        "bytes",
        "content_type",
        "content_sha256",
        "verdict",
        "page_title",
        "language",
        "words",
        "fingerprint",
        "first_fingerprint",
        "similarity",
        "preview",
        "archive_url",
        "archived_at",
        "failures",
        "failing_since",
    ),
    "Sources": ("title", "type", "publication", "published_date", "authors", "abstract"),
    "Publication": ("id", "name", "type", "credibility", "peer_reviewed", "domains", "description"),
    "Page": ("id", "title", "type", "quality", "path"),
    "Tag": ("id", "name", "description", "aliases"),
    "Tombstone": ("stable_id", "id", "url", "title", "retired", "reason", "replaced_by"),
}

# each resource field as a column of the tabular formats: name, Table Schema type, required
RESOURCE_COLUMNS: Final[tuple[tuple[str, str, bool], ...]] = (
    ("stable_id", "string", True),
    ("id", "string", True),
    ("url", "string", True),
    ("previous_urls", "array", False),
    ("title", "string", True),
    ("type", "string", True),
    ("publication", "string", False),
    ("published_date", "string", False),
    ("authors", "array", False),
    ("importance", "integer", False),
    ("labels", "array", False),
    ("relevance", "string", False),
    ("summary", "string", False),
    ("review", "string", False),
    ("abstract", "string", False),
    ("key_points", "array", False),
    ("tags", "array", False),
    ("cited_by", "array", False),
    ("fetch", "object", False),
    ("sources", "object", False),
    ("legacy", "object", False),
)

PYDANTIC_CORE_VERSION: Final = "2.50.5"

CORE_SCHEMAS: Final[dict[str, dict[str, Any]]] = {
    "resource": {
        "type": "typed-dict",
        "fields": {
            "stable_id": {
                "type": "typed-dict-field",
                "schema": {"type": "str", "pattern": "^sid_[0-9A-Za-z]{10}$"},
                "required": True,
            },
            "id": {
                "type": "typed-dict-field",
                "schema": {"type": "str", "pattern": "^[0-9a-f]{16}$"},
                "required": True,
            },
            "url": {
                "type": "typed-dict-field",
                "schema": {"type": "str", "max_length": 2048, "pattern": "^https?://[^\\s]+$"},
                "required": True,
            },
            "previous_urls": {
                "type": "typed-dict-field",
                "schema": {
                    "type": "list",
                    "items_schema": {
                        "type": "str",
                        "max_length": 2048,
                        "pattern": "^https?://[^\\s]+$",
                    },
                    "min_length": 1,
                },
                "required": False,
            },
            "title": {
                "type": "typed-dict-field",
                "schema": {"type": "str", "min_length": 1, "max_length": 500},
                "required": True,
            },
            "type": {
                "type": "typed-dict-field",
                "schema": {
                    "type": "literal",
                    "expected": [
                        "paper",
                        "blog",
                        "report",
                        "book",
                        "talk",
                        "podcast",
                        "government",
                        "reference",
                        "web",
                    ],
                },
                "required": True,
            },
            "publication": {
                "type": "typed-dict-field",
                "schema": {
                    "type": "str",
                    "max_length": 100,
                    "pattern": "^[a-z0-9]+(?:[-_.][a-z0-9]+)*$",
                },
                "required": False,
            },
            "published_date": {
                "type": "typed-dict-field",
                "schema": {"type": "str", "pattern": "^[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?$"},
                "required": False,
            },
            "authors": {
                "type": "typed-dict-field",
                "schema": {
                    "type": "list",
                    "items_schema": {"type": "str", "min_length": 1, "max_length": 500},
                    "min_length": 1,
                },
                "required": False,
            },
            "importance": {
                "type": "typed-dict-field",
                "schema": {"type": "int", "ge": 0, "le": 100},
                "required": False,
            },
            "labels": {
                "type": "typed-dict-field",
                "schema": {
                    "type": "list",
                    "items_schema": {
                        "type": "literal",
                        "expected": [
                            "analysis",
                            "announcement",
                            "book-chapter",
                            "commentary",
                            "course",
                            "dataset",
                            "interview",
                            "legislation",
                            "news",
                            "opinion",
                            "organizational-report",
                            "peer-reviewed",
                            "policy",
                            "preprint",
                            "primary-source",
                            "survey",
                            "technical-report",
                            "tutorial",
                        ],
                    },
                    "min_length": 1,
                },
                "required": False,
            },
            "relevance": {
                "type": "typed-dict-field",
                "schema": {"type": "str", "min_length": 1, "max_length": 500},
                "required": False,
            },
            "summary": {
                "type": "typed-dict-field",
                "schema": {"type": "str", "min_length": 1, "max_length": 20000},
                "required": False,
            },
            "review": {
                "type": "typed-dict-field",
                "schema": {"type": "str", "min_length": 1, "max_length": 20000},
                "required": False,
            },
            "abstract": {
                "type": "typed-dict-field",
                "schema": {"type": "str", "min_length": 1, "max_length": 20000},
                "required": False,
            },
            "key_points": {
                "type": "typed-dict-field",
                "schema": {
                    "type": "list",
                    "items_schema": {"type": "str", "min_length": 1, "max_length": 20000},
                    "min_length": 1,
                },
                "required": False,
            },
            "tags": {
                "type": "typed-dict-field",
                "schema": {
                    "type": "list",
                    "items_schema": {
                        "type": "str",
                        "max_length": 100,
                        "pattern": "^[a-z0-9]+(?:[-_.][a-z0-9]+)*$",
                    },
                    "min_length": 1,
                },
                "required": False,
            },
            "cited_by": {
                "type": "typed-dict-field",
                "schema": {
                    "type": "list",
                    "items_schema": {
                        "type": "str",
                        "max_length": 100,
                        "pattern": "^[a-z0-9]+(?:[-_.][a-z0-9]+)*$",
                    },
                    "min_length": 1,
                },
                "required": False,
            },
            "fetch": {
                "type": "typed-dict-field",
                "schema": {
                    "type": "typed-dict",
                    "fields": {
                        "status": {
                            "type": "typed-dict-field",
                            "schema": {"type": "int", "ge": 0, "le": 599},
                            "required": True,
                        },
                        "checked_at": {
                            "type": "typed-dict-field",
                            "schema": {
                                "type": "str",
                                "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]+)?Z$",
                            },
                            "required": True,
                        },
                        "final_url": {
                            "type": "typed-dict-field",
                            "schema": {"type": "str", "pattern": "^https?://[^\\s]+$"},
                            "required": False,
                        },
                        "bytes": {
                            "type": "typed-dict-field",
                            "schema": {"type": "int", "ge": 0},
                            "required": False,
                        },
                        "content_type": {
                            "type": "typed-dict-field",
                            "schema": {
                                "type": "str",
                                "max_length": 200,
                                "pattern": "^[!#$%&'*+.^_`|~0-9a-z-]+/[!#$%&'*+.^_`|~0-9a-z-]+$",
                            },
                            "required": False,
                        },
                        "content_sha256": {
                            "type": "typed-dict-field",
                            "schema": {"type": "str", "pattern": "^[0-9a-f]{64}$"},
                            "required": False,
                        },
                        "verdict": {
                            "type": "typed-dict-field",
                            "schema": {
                                "type": "literal",
                                "expected": [
                                    "ok",
                                    "redirected",
                                    "dead",
                                    "soft-404",
                                    "login-wall",
                                    "bot-wall",
                                    "paywalled",
                                    "blocked",
                                    "error",
                                ],
                            },
                            "required": False,
                        },
                        "page_title": {
                            "type": "typed-dict-field",
                            "schema": {"type": "str", "min_length": 1, "max_length": 200},
                            "required": False,
                        },
                        "language": {
                            "type": "typed-dict-field",
                            "schema": {
                                "type": "str",
                                "max_length": 35,
                                "pattern": "^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$",
                            },
                            "required": False,
                        },
                        "words": {
                            "type": "typed-dict-field",
                            "schema": {"type": "int", "ge": 0, "le": 100000000},
                            "required": False,
                        },
                        "fingerprint": {
                            "type": "typed-dict-field",
                            "schema": {"type": "str", "pattern": "^[0-9a-f]{16}$"},
                            "required": False,
                        },
                        "first_fingerprint": {
                            "type": "typed-dict-field",
                            "schema": {"type": "str", "pattern": "^[0-9a-f]{16}$"},
                            "required": False,
                        },
                        "similarity": {
                            "type": "typed-dict-field",
                            "schema": {"type": "float", "ge": 0, "le": 1},
                            "required": False,
                        },
                        "preview": {
                            "type": "typed-dict-field",
                            "schema": {"type": "str", "min_length": 1, "max_length": 300},
                            "required": False,
                        },
                        "archive_url": {
                            "type": "typed-dict-field",
                            "schema": {
                                "type": "str",
                                "max_length": 4096,
                                "pattern": "^https?://[^\\s]+$",
                            },
                            "required": False,
                        },
                        "archived_at": {
                            "type": "typed-dict-field",
                            "schema": {
                                "type": "str",
                                "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]+)?Z$",
                            },
                            "required": False,
                        },
                        "failures": {
                            "type": "typed-dict-field",
                            "schema": {"type": "int", "ge": 1, "le": 999999},
                            "required": False,
                        },
                        "failing_since": {
                            "type": "typed-dict-field",
                            "schema": {
                                "type": "str",
                                "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]+)?Z$",
                            },
                            "required": False,
                        },
                    },
                    "computed_fields": [],
                    "extra_behavior": "forbid",
                    "config": {"extra_fields_behavior": "forbid", "strict": True, "title": "Fetch"},
                    "ref": "resource_registry.record.models.Fetch",
                },
                "required": False,
            },
            "sources": {
                "type": "typed-dict-field",
                "schema": {
                    "type": "typed-dict",
                    "fields": {
                        "title": {
                            "type": "typed-dict-field",
                            "schema": {
                                "type": "literal",
                                "expected": [
                                    "arxiv",
                                    "doi",
                                    "lesswrong",
                                    "alignmentforum",
                                    "eaforum",
                                    "semanticscholar",
                                    "highwire",
                                    "json-ld",
                                    "dublin-core",
                                    "opengraph",
                                    "html-meta",
                                    "trafilatura",
                                    "htmldate",
                                    "pdf",
                                    "domains",
                                ],
                            },
                            "required": False,
                        },
                        "type": {
                            "type": "typed-dict-field",
                            "schema": {
                                "type": "literal",
                                "expected": [
                                    "arxiv",
                                    "doi",
                                    "lesswrong",
                                    "alignmentforum",
                                    "eaforum",
                                    "semanticscholar",
                                    "highwire",
                                    "json-ld",
                                    "dublin-core",
                                    "opengraph",
                                    "html-meta",
                                    "trafilatura",
                                    "htmldate",
                                    "pdf",
                                    "domains",
                                ],
                            },
                            "required": False,
                        },
                        "publication": {
                            "type": "typed-dict-field",
                            "schema": {
                                "type": "literal",
                                "expected": [
                                    "arxiv",
                                    "doi",
                                    "lesswrong",
                                    "alignmentforum",
                                    "eaforum",
                                    "semanticscholar",
                                    "highwire",
                                    "json-ld",
                                    "dublin-core",
                                    "opengraph",
                                    "html-meta",
                                    "trafilatura",
                                    "htmldate",
                                    "pdf",
                                    "domains",
                                ],
                            },
                            "required": False,
                        },
                        "published_date": {
                            "type": "typed-dict-field",
                            "schema": {
                                "type": "literal",
                                "expected": [
                                    "arxiv",
                                    "doi",
                                    "lesswrong",
                                    "alignmentforum",
                                    "eaforum",
                                    "semanticscholar",
                                    "highwire",
                                    "json-ld",
                                    "dublin-core",
                                    "opengraph",
                                    "html-meta",
                                    "trafilatura",
                                    "htmldate",
                                    "pdf",
                                    "domains",
                                ],
                            },
                            "required": False,
                        },
                        "authors": {
                            "type": "typed-dict-field",
                            "schema": {
                                "type": "literal",
                                "expected": [
                                    "arxiv",
                                    "doi",
                                    "lesswrong",
                                    "alignmentforum",
                                    "eaforum",
                                    "semanticscholar",
                                    "highwire",
                                    "json-ld",
                                    "dublin-core",
                                    "opengraph",
                                    "html-meta",
                                    "trafilatura",
                                    "htmldate",
                                    "pdf",
                                    "domains",
                                ],
                            },
                            "required": False,
                        },
                        "abstract": {
                            "type": "typed-dict-field",
                            "schema": {
                                "type": "literal",
                                "expected": [
                                    "arxiv",
                                    "doi",
                                    "lesswrong",
                                    "alignmentforum",
                                    "eaforum",
                                    "semanticscholar",
                                    "highwire",
                                    "json-ld",
                                    "dublin-core",
                                    "opengraph",
                                    "html-meta",
                                    "trafilatura",
                                    "htmldate",
                                    "pdf",
                                    "domains",
                                ],
                            },
                            "required": False,
                        },
                    },
                    "computed_fields": [],
                    "extra_behavior": "forbid",
                    "config": {
                        "extra_fields_behavior": "forbid",
                        "strict": True,
                        "title": "Sources",
                    },
                    "ref": "resource_registry.record.models.Sources",
                },
                "required": False,
            },
            "legacy": {
                "type": "typed-dict-field",
                "schema": {
                    "type": "dict",
                    "keys_schema": {"type": "str"},
                    "values_schema": {"type": "any"},
                },
                "required": False,
            },
        },
        "computed_fields": [],
        "extra_behavior": "forbid",
        "config": {"extra_fields_behavior": "forbid", "strict": True, "title": "Resource"},
        "ref": "resource_registry.record.models.Resource",
    },
    "publications": {
        "type": "list",
        "items_schema": {
            "type": "typed-dict",
            "fields": {
                "id": {
                    "type": "typed-dict-field",
                    "schema": {
                        "type": "str",
                        "max_length": 100,
                        "pattern": "^[a-z0-9]+(?:[-_.][a-z0-9]+)*$",
                    },
                    "required": True,
                },
                "name": {
                    "type": "typed-dict-field",
                    "schema": {"type": "str", "min_length": 1, "max_length": 500},
                    "required": True,
                },
                "type": {
                    "type": "typed-dict-field",
                    "schema": {
                        "type": "literal",
                        "expected": [
                            "academic",
                            "academic_journal",
                            "academic_search",
                            "blog_platform",
                            "code_repository",
                            "company_blog",
                            "consulting",
                            "encyclopedia",
                            "government",
                            "marketplace",
                            "news",
                            "organization",
                            "preprint_server",
                            "think_tank",
                        ],
                    },
                    "required": True,
                },
                "credibility": {
                    "type": "typed-dict-field",
                    "schema": {"type": "int", "ge": 1, "le": 5},
                    "required": False,
                },
                "peer_reviewed": {
                    "type": "typed-dict-field",
                    "schema": {"type": "bool"},
                    "required": False,
                },
                "domains": {
                    "type": "typed-dict-field",
                    "schema": {
                        "type": "list",
                        "items_schema": {"type": "str", "min_length": 1, "max_length": 500},
                        "min_length": 1,
                    },
                    "required": False,
                },
                "description": {
                    "type": "typed-dict-field",
                    "schema": {"type": "str", "min_length": 1, "max_length": 500},
                    "required": False,
                },
            },
            "computed_fields": [],
            "extra_behavior": "forbid",
            "config": {"extra_fields_behavior": "forbid", "strict": True, "title": "Publication"},
            "ref": "resource_registry.record.models.Publication",
        },
    },
    "pages": {
        "type": "list",
        "items_schema": {
            "type": "typed-dict",
            "fields": {
                "id": {
                    "type": "typed-dict-field",
                    "schema": {
                        "type": "str",
                        "max_length": 100,
                        "pattern": "^[a-z0-9]+(?:[-_.][a-z0-9]+)*$",
                    },
                    "required": True,
                },
                "title": {
                    "type": "typed-dict-field",
                    "schema": {"type": "str", "min_length": 1, "max_length": 500},
                    "required": True,
                },
                "type": {
                    "type": "typed-dict-field",
                    "schema": {
                        "type": "str",
                        "max_length": 100,
                        "pattern": "^[a-z0-9]+(?:[-_.][a-z0-9]+)*$",
                    },
                    "required": False,
                },
                "quality": {
                    "type": "typed-dict-field",
                    "schema": {"type": "int", "ge": 0, "le": 100},
                    "required": False,
                },
                "path": {
                    "type": "typed-dict-field",
                    "schema": {"type": "str", "min_length": 1, "max_length": 500},
                    "required": False,
                },
            },
            "computed_fields": [],
            "extra_behavior": "forbid",
            "config": {"extra_fields_behavior": "forbid", "strict": True, "title": "Page"},
            "ref": "resource_registry.record.models.Page",
        },
    },
    "tags": {
        "type": "list",
        "items_schema": {
            "type": "typed-dict",
            "fields": {
                "id": {
                    "type": "typed-dict-field",
                    "schema": {
                        "type": "str",
                        "max_length": 100,
                        "pattern": "^[a-z0-9]+(?:[-_.][a-z0-9]+)*$",
                    },
                    "required": True,
                },
                "name": {
                    "type": "typed-dict-field",
                    "schema": {"type": "str", "min_length": 1, "max_length": 500},
                    "required": False,
                },
                "description": {
                    "type": "typed-dict-field",
                    "schema": {"type": "str", "min_length": 1, "max_length": 500},
                    "required": False,
                },
                "aliases": {
                    "type": "typed-dict-field",
                    "schema": {
                        "type": "list",
                        "items_schema": {
                            "type": "str",
                            "max_length": 100,
                            "pattern": "^[a-z0-9]+(?:[-_.][a-z0-9]+)*$",
                        },
                        "min_length": 1,
                    },
                    "required": False,
                },
            },
            "computed_fields": [],
            "extra_behavior": "forbid",
            "config": {"extra_fields_behavior": "forbid", "strict": True, "title": "Tag"},
            "ref": "resource_registry.record.models.Tag",
        },
    },
    "tombstones": {
        "type": "list",
        "items_schema": {
            "type": "typed-dict",
            "fields": {
                "stable_id": {
                    "type": "typed-dict-field",
                    "schema": {"type": "str", "pattern": "^sid_[0-9A-Za-z]{10}$"},
                    "required": True,
                },
                "id": {
                    "type": "typed-dict-field",
                    "schema": {"type": "str", "pattern": "^[0-9a-f]{16}$"},
                    "required": True,
                },
                "url": {
                    "type": "typed-dict-field",
                    "schema": {"type": "str", "max_length": 2048, "pattern": "^https?://[^\\s]+$"},
                    "required": True,
                },
                "title": {
                    "type": "typed-dict-field",
                    "schema": {"type": "str", "min_length": 1, "max_length": 500},
                    "required": True,
                },
                "retired": {
                    "type": "typed-dict-field",
                    "schema": {"type": "str", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
                    "required": True,
                },
                "reason": {
                    "type": "typed-dict-field",
                    "schema": {"type": "str", "min_length": 1, "max_length": 500},
                    "required": True,
                },
                "replaced_by": {
                    "type": "typed-dict-field",
                    "schema": {"type": "str", "pattern": "^sid_[0-9A-Za-z]{10}$"},
                    "required": False,
                },
            },
            "computed_fields": [],
            "extra_behavior": "forbid",
            "config": {"extra_fields_behavior": "forbid", "strict": True, "title": "Tombstone"},
            "ref": "resource_registry.record.models.Tombstone",
        },
    },
}
