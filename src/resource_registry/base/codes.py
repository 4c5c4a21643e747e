"""The catalogue of finding codes: stable, documented, one line each.

Families: ``P`` parse, ``S`` schema, ``I`` identity, ``R`` references, ``C`` content,
``H`` history, ``F`` format, ``K`` knowledge-base pages (``resreg citations``), ``M``
metadata from the source (``new``, ``enrich``, ``check-metadata``). A code, once
published, keeps its meaning forever; retired codes are never reused.
"""

from __future__ import annotations

from dataclasses import dataclass

from resource_registry.base.findings import Severity

_E = Severity.ERROR
_W = Severity.WARNING


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    severity: Severity
    summary: str


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule("P001", _E, "The file is not valid YAML."),
        Rule("P002", _E, "The file is larger than the size limit and was not parsed."),
        Rule("P003", _E, "The file is not valid UTF-8."),
        Rule("P004", _W, "The file starts with a byte order mark; `resreg fmt` removes it."),
        Rule("P005", _E, "A mapping has the same key twice."),
        Rule("P006", _E, "Anchors and aliases are not allowed."),
        Rule("P007", _E, "Explicit tags (`!tag`, `!!python/...`) are not allowed."),
        Rule("P008", _E, "Merge keys (`<<`) are not allowed."),
        Rule("P009", _E, "A file holds exactly one YAML document."),
        Rule(
            "P010",
            _E,
            "The top level has the wrong kind (a resource is a mapping, a vocabulary a list).",
        ),
        Rule("P011", _E, "Collections are nested deeper than the limit."),
        Rule("P012", _E, "The file is empty."),
        Rule("P013", _E, "A required registry file is missing."),
        Rule("P014", _E, "An integer is outside the signed 64-bit range."),
        Rule("P015", _E, "A number is not finite (`.nan`, `.inf`, or too large for a float)."),
        Rule(
            "P016",
            _W,
            "A plain value continues onto a line that looks like a list item or a key.",
        ),
        Rule("P017", _W, "A ` #` after a plain text value made the rest of its line a comment."),
        Rule("P018", _E, "A registry file is a symbolic link; it is not read."),
        Rule(
            "P019",
            _E,
            "A registry folder (`data/`, a data folder or a shard) is a symbolic link; "
            "nothing in it is read.",
        ),
        Rule("P020", _E, "`resreg fmt` cannot rewrite the file without changing what it says."),
        Rule("S001", _E, "A required field is missing."),
        Rule("S002", _E, "A field that the schema does not define."),
        Rule("S003", _E, "A value has the wrong type."),
        Rule("S004", _E, "A value does not match the required format."),
        Rule("S005", _E, "A value is not one of the allowed values."),
        Rule("S006", _E, "A number is out of its allowed range."),
        Rule("S007", _E, "A value is too short or too long."),
        Rule("I001", _E, "The file name is not `<stable_id>.yaml`."),
        Rule("I002", _E, "The file is not in its shard folder `data/resources/<xx>/`."),
        Rule("I003", _E, "Two resources share a stable ID (compared ignoring case)."),
        Rule("I004", _E, "The stable ID belongs to a retired resource (see tombstones)."),
        Rule("I005", _E, "Two resources share an `id`."),
        Rule("I006", _E, "The `id` is not the sha256 prefix of `url` or of a previous URL."),
        Rule("I007", _E, "Two resources have the same URL."),
        Rule("I008", _W, "Two resources have URLs that are the same after normalization."),
        Rule("I009", _E, "A file under `data/resources/` that is not a resource file."),
        Rule("I010", _E, "The `id` belongs to a retired resource (see tombstones)."),
        Rule("I011", _E, "A tombstone file's name is not `<stable_id>.yaml` of its tombstone."),
        Rule("I012", _E, "A tombstone file is not in its shard folder `data/tombstones/<xx>/`."),
        Rule("I013", _E, "A file under `data/tombstones/` that is not a tombstone file."),
        Rule(
            "I014",
            _W,
            "The old single tombstone file `data/tombstones.yaml` is still present; "
            "`resreg migrate-tombstones` splits it.",
        ),
        Rule("R001", _E, "`publication` is not in `data/publications.yaml`."),
        Rule("R002", _E, "A tag is not in `data/tags.yaml`."),
        Rule("R003", _E, "A `cited_by` page is not in `data/pages.yaml`."),
        Rule("R004", _E, "A vocabulary or tombstone file has the same id twice."),
        Rule("R005", _E, "A tag alias is also a tag id or another tag's alias."),
        Rule("R006", _E, "A tombstone's `replaced_by` does not lead to a live resource."),
        Rule(
            "R007",
            _E,
            "A tag, page or publication id is a name Windows reserves (`con`, `nul`, `aux`, "
            "`prn`, `com1`-`com9`, `lpt1`-`lpt9`), which cannot name a file of the site.",
        ),
        Rule("C001", _E, "A date is not a real calendar date."),
        Rule("C002", _E, "A date is in the future."),
        Rule("C003", _E, "A text is empty or only whitespace."),
        Rule("C004", _E, "A list has the same item twice."),
        Rule("C005", _E, "A text has leading or trailing whitespace."),
        Rule("C006", _E, "A title contains an HTML entity such as `&amp;`."),
        Rule("C007", _E, "A URL contains credentials (`user:password@`)."),
        Rule("C008", _E, "A URL is not an absolute http(s) URL with a host."),
        Rule("C009", _E, "A text or key contains control or bidirectional-override characters."),
        Rule("C010", _W, "A title is only a domain name."),
        Rule(
            "C011",
            _E,
            "A URL's host is an IP address written in a non-canonical form (`0177.0.0.1`, "
            "`2130706433`, `0x7f000001`, `127.1`).",
        ),
        Rule(
            "C012",
            _W,
            "A URL's host is `localhost` or a loopback, private or other non-public "
            "address, which `check-links` does not fetch.",
        ),
        Rule(
            "C013",
            _E,
            "A text or key contains an invisible character (zero-width space, direction "
            "mark, line separator...).",
        ),
        Rule("H001", _E, "A file's `stable_id` or `id` changed since the base commit."),
        Rule("H002", _E, "A resource was deleted without a tombstone."),
        Rule("H003", _E, "A tombstone was removed or edited since the base commit."),
        Rule("H004", _E, "An identifier retired at the base commit is live again."),
        Rule("H005", _E, "A resource moved to another file since the base commit."),
        Rule("H006", _E, "A URL changed without the old one kept in `previous_urls`."),
        Rule("K001", _E, "A page cites a resource whose `cited_by` does not list the page."),
        Rule("K002", _E, "A resource's `cited_by` lists a page that does not cite it."),
        Rule("K003", _E, "A page's reference names no resource's stable ID or `id`."),
        Rule("K004", _E, "A page cites a retired resource (the finding names its successor)."),
        Rule("K005", _W, "A link to a registered resource that is not a reference component."),
        Rule("K006", _W, "A link to a URL that no resource in the registry has."),
        Rule("K007", _E, "A page is not valid UTF-8; it is not read."),
        Rule("K008", _E, "A page is larger than `max_page_bytes`; it is not read."),
        Rule(
            "K009", _E, "A page or folder in the pages folder is a symbolic link; it is not read."
        ),
        Rule("K010", _E, "A reference component is not closed, or has no literal `id`."),
        Rule(
            "K011",
            _E,
            "A link's URL holds spaces, control or invisible characters, or is malformed.",
        ),
        Rule(
            "K012",
            _E,
            "`data/pages.yaml` lacks a page, or its entry differs from the front matter.",
        ),
        Rule("K013", _W, "A page in `data/pages.yaml` is no longer in the pages folder."),
        Rule("K014", _E, "A page's id is not a valid page id, or two pages have the same id."),
        Rule("K015", _W, "A page's front matter is unclosed, unreadable or lacks a usable value."),
        Rule("K016", _E, "A resource file's `cited_by` could not be rewritten."),
        Rule("M001", _W, "The stored title differs from the title the source gives."),
        Rule("M002", _W, "The stored authors differ from the authors the source gives."),
        Rule("M003", _W, "The stored `published_date` differs from the date the source gives."),
        Rule("M004", _W, "A metadata source gave no usable answer (no answer, an error, garbage)."),
        Rule(
            "M005",
            _W,
            "A value from a source was not used: too long, a date in the future or before "
            "1900, not text, or it would not pass validation.",
        ),
        Rule("M006", _W, "An author list from a source was cut (the first 50, then `others`)."),
        Rule("M007", _W, "A page's tags disagree on a field; the most trusted tag was kept."),
        Rule("M008", _W, "The page redirected to another host; its metadata was used."),
    )
}


def rule(code: str) -> Rule:
    return RULES[code]


def rules_markdown() -> str:
    """The table of codes that the README embeds (a test keeps the two in step)."""
    lines = ["| Code | Severity | Meaning |", "|---|---|---|"]
    lines += [f"| {r.code} | {r.severity.value} | {r.summary} |" for r in RULES.values()]
    return "\n".join(lines) + "\n"
