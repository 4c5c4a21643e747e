"""URL identity: hashing and the normalization behind near-duplicate detection."""

from __future__ import annotations

import pytest

from resource_registry.record import urls
from resource_registry.record.urls import normalize, resource_id, shape_problem


def test_resource_id_is_the_sha256_prefix() -> None:
    url = "https://merics.org/en/comment/chinas-social-credit-score-untangling-myth-reality"
    assert resource_id(url) == "3e03a6e800128f8c"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("https://Example.org/a", "http://www.example.org/a/"),
        ("https://example.org:443/a", "https://example.org/a#section"),
        ("https://example.org/a?b=2&a=1", "https://example.org/a?a=1&b=2&utm_source=x&fbclid=y"),
        ("https://arxiv.org/abs/2310.19852", "https://arxiv.org/pdf/2310.19852v3.pdf"),
        ("https://arxiv.org/abs/2310.19852v1", "https://arxiv.org/html/2310.19852v2"),
        ("https://arxiv.org/abs/hep-th/9901001", "http://export.arxiv.org/abs/hep-th/9901001v2"),
        ("https://doi.org/10.1038/NATURE16961", "http://dx.doi.org/10.1038/nature16961"),
    ],
)
def test_equivalent_urls_normalize_alike(first: str, second: str) -> None:
    assert normalize(first) == normalize(second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("https://example.org/a", "https://example.org/b"),
        ("https://example.org/a?page=1", "https://example.org/a?page=2"),
        ("https://example.org:8080/a", "https://example.org/a"),
        ("https://arxiv.org/abs/2310.19852", "https://arxiv.org/abs/2310.19853"),
        ("https://example.org/A", "https://example.org/a"),
    ],
)
def test_different_resources_stay_apart(first: str, second: str) -> None:
    assert normalize(first) != normalize(second)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://example.org/", None),
        ("http://example.org/a?b=c", None),
        ("https://user:pw@example.org/", "credentials"),
        ("https://user@example.org/", "credentials"),
        ("https:///path", "not-web"),
        ("javascript:alert(1)", "not-web"),
        ("file:///etc/passwd", "not-web"),
        ("https://example.org:99999/", "not-web"),
        ("https://exa\u202emple.org/", "not-web"),
    ],
)
def test_url_shape(url: str, problem: str | None) -> None:
    assert shape_problem(url) == problem


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://0177.0.0.1/", "numeric-host"),
        ("http://2130706433/x", "numeric-host"),
        ("http://0x7f000001/", "numeric-host"),
        ("http://127.1/", "numeric-host"),
        ("http://127.0.0.1:8080/", "private-host"),
        ("http://[::1]/", "private-host"),
        ("http://[::ffff:10.0.0.1]/", "private-host"),
        ("http://LOCALHOST./", "private-host"),
        ("http://a.localhost/", "private-host"),
        ("http://169.254.169.254/latest/meta-data", "private-host"),
        ("http://8.8.8.8/", None),
        ("http://[2606:4700::1111]/", None),
        ("https://cafe.be/", None),
        ("https://1.2.3.4.nip.io/", None),
        ("https://example.org/0177.0.0.1", None),
    ],
)
def test_hosts_that_are_numbers_or_not_public_are_named(url: str, problem: str | None) -> None:
    assert urls.host_problem(url) == problem
