"""The site in a real browser: headless Chromium, driven through ChromeDriver.

Each test reads the browser's console and network logs: no console errors, and no request
leaves the site. Screenshots are kept in ``build/test-artifacts/`` (or
``$RESREG_TEST_ARTIFACTS``). Without Chromium these tests are skipped, except in CI
(``CI=true``), where ``scripts/test`` installs it and a missing browser is a failure.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from conftest import PROJECT_ROOT, BuiltSite
from resource_registry.release import dataset, site_search

sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
import chromium

EXAMPLE = "sid_d9EnmTcnin"
ARTIFACTS = Path(os.environ.get("RESREG_TEST_ARTIFACTS", PROJECT_ROOT / "build/test-artifacts"))


def _chromium(*extra_flags: str) -> webdriver.Chrome:
    if chromium.binaries() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium and ChromeDriver are missing; scripts/test installs them")
        pytest.skip(
            "Chromium and ChromeDriver are not installed (Debian: chromium chromium-driver)"
        )
    return chromium.start(*extra_flags, logs=True)


@pytest.fixture(scope="module")
def origin(built_site: BuiltSite) -> Iterator[str]:
    with chromium.serving(built_site.site) as address:
        yield address


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    driver = _chromium()
    yield driver
    driver.quit()


@pytest.fixture
def page(browser: webdriver.Chrome, origin: str) -> Iterator[webdriver.Chrome]:
    """The browser, with its logs checked after the test."""
    browser.get_log("browser")
    browser.get_log("performance")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    yield browser
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []
    requested = [
        message["params"]["request"]["url"]
        for message in (json.loads(e["message"])["message"] for e in browser.get_log("performance"))
        if message["method"] == "Network.requestWillBeSent"
    ]
    assert requested
    assert [url for url in requested if not url.startswith((origin, "data:"))] == []


def _screenshot(browser: webdriver.Chrome, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(chromium.PHONE[0], min(int(height), 4000))
    assert browser.save_screenshot(str(ARTIFACTS / f"{name}.png"))
    browser.set_window_size(*chromium.PHONE)


def _fits_the_phone(browser: webdriver.Chrome) -> bool:
    return bool(
        browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    )


def test_the_example_page_shows_every_field(page: webdriver.Chrome, origin: str) -> None:
    page.get(f"{origin}r/{EXAMPLE}.html")
    text = page.find_element(By.TAG_NAME, "body").text
    for shown in (
        "over 200 million AI-powered surveillance cameras",
        "Web · Importance 28/100",  # the type is capitalised by the stylesheet
        "Cited for the scale of camera-based surveillance in China.",
        "commentary",
        "organizational-report",
        "Mercator Institute for China Studies",
        "(credibility 4/5)",
        "Vincent Brussee",
        "2022-02-11",
        "A MERICS commentary that separates",
        "Surveillance infrastructure is large",
        "Cited by 1 page",
        "Lock-in risk 52/100",
        "HTTP 200 (ok), checked 2026-04-07, 9.0 KB",
        "Cached Content Preview",
        "HTTP 200 · Fetched Apr 7, 2026 · 9.0 KB · 1,240 words",
        "The idea that China gives every citizen",
        "Title at the source: China's social credit score",
        "Resource ID 3e03a6e800128f8c · Stable ID sid_d9EnmTcnin",
    ):
        assert shown in text, shown
    title = page.find_element(By.CSS_SELECTOR, "h1 a")
    assert title.get_attribute("href") == (
        "https://merics.org/en/comment/chinas-social-credit-score-untangling-myth-reality"
    )
    assert _fits_the_phone(page)
    _screenshot(page, "resource-light")
    page.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": "dark"}]},
    )
    background = page.execute_script("return getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(18, 20, 23)"
    _screenshot(page, "resource-dark")


def test_search_finds_a_summary_word_and_leads_to_the_resource(
    page: webdriver.Chrome, origin: str
) -> None:
    page.get(f"{origin}index.html")
    box = page.find_element(By.ID, "q")
    box.send_keys("separates")
    status = page.find_element(By.ID, "search-status")
    WebDriverWait(page, 10).until(lambda _: status.get_attribute("data-ms"))
    assert status.text == "1 resource matches."
    _screenshot(page, "index-search")
    page.find_element(By.LINK_TEXT, "over 200 million AI-powered surveillance cameras").click()
    WebDriverWait(page, 10).until(lambda driver: driver.current_url.endswith(f"{EXAMPLE}.html"))
    assert page.find_element(By.TAG_NAME, "h1").text.startswith("over 200 million")


def test_search_matches_word_prefixes_within_a_filter(
    page: webdriver.Chrome, origin: str, built_site: BuiltSite
) -> None:
    papers = [r for r in dataset.load(built_site.dataset) if r["type"] == "paper"]
    learning = [
        r for r in papers if any(w.startswith("learn") for w in site_search.words(_searchable(r)))
    ]
    assert 1 < len(learning) < len(papers)
    page.get(f"{origin}index.html")
    status = page.find_element(By.ID, "search-status")
    Select(page.find_element(By.ID, "filter-type")).select_by_value("paper")
    WebDriverWait(page, 10).until(lambda _: status.text.startswith(f"{len(papers)} resources"))
    page.find_element(By.ID, "q").send_keys("learn")  # the start of learning, learned...
    WebDriverWait(page, 10).until(lambda _: status.text.startswith(f"{len(learning)} resources"))
    shown = page.find_elements(By.CSS_SELECTOR, "#results li a")
    assert sorted(link.text for link in shown) == sorted(r["title"] for r in learning)


def _searchable(record: dict[str, Any]) -> str:
    return " ".join([record["title"], record.get("summary", ""), *record.get("key_points", ())])


def test_a_retired_id_leads_to_its_successor(
    page: webdriver.Chrome, origin: str, built_site: BuiltSite
) -> None:
    stones = json.loads((built_site.dataset / "tombstones.json").read_text())
    merged_id = next(s["id"] for s in stones if s["stable_id"] == built_site.merged)
    page.get(f"{origin}id/{merged_id}.html")  # the alias forwards to the retired page
    WebDriverWait(page, 10).until(
        lambda driver: driver.current_url.endswith(f"r/{built_site.merged}.html")
    )
    assert "This resource was retired" in page.find_element(By.TAG_NAME, "body").text
    page.find_element(By.CSS_SELECTOR, ".successor a").click()
    WebDriverWait(page, 10).until(
        lambda driver: driver.current_url.endswith(f"r/{built_site.successor}.html")
    )
    assert page.find_element(By.CSS_SELECTOR, "footer .ids").text.endswith(built_site.successor)


def test_without_javascript_everything_but_search_works(origin: str, built_site: BuiltSite) -> None:
    driver = _chromium("--blink-settings=scriptEnabled=false")
    try:
        driver.get(f"{origin}index.html")
        assert not driver.find_element(By.CSS_SELECTOR, "form.search").is_displayed()
        assert "Search needs JavaScript" in driver.find_element(By.TAG_NAME, "body").text
        driver.find_element(By.LINK_TEXT, "paper").click()
        WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("types/paper.html"))
        driver.find_element(By.CSS_SELECTOR, ".entries a").click()
        WebDriverWait(driver, 10).until(lambda d: "/r/sid_" in d.current_url)
        assert "Cited by" in driver.find_element(By.TAG_NAME, "body").text
        _screenshot(driver, "resource-without-javascript")
    finally:
        driver.quit()


def _results(page: webdriver.Chrome) -> list[str]:
    return [link.text for link in page.find_elements(By.CSS_SELECTOR, "#results li a")]


def _searched(page: webdriver.Chrome, query: str) -> str:
    """The status line once the search for what the form holds is done."""
    status = page.find_element(By.ID, "search-status")
    WebDriverWait(page, 10).until(
        lambda driver: (
            status.get_attribute("data-ms")
            and driver.find_element(By.ID, "q").get_attribute("value") == query
        )
    )
    return str(status.text)


def test_the_query_and_filters_live_in_the_address(page: webdriver.Chrome, origin: str) -> None:
    title = "over 200 million AI-powered surveillance cameras"
    page.get(f"{origin}index.html")
    page.find_element(By.ID, "q").send_keys("separates")
    WebDriverWait(page, 10).until(lambda _: _results(page) == [title])
    assert page.execute_script("return location.search") == "?q=separates"
    Select(page.find_element(By.ID, "filter-type")).select_by_value("web")
    WebDriverWait(page, 10).until(
        lambda driver: driver.execute_script("return location.search") == "?q=separates&type=web"
    )
    page.refresh()  # a shared or reloaded address gives the same search
    assert _searched(page, "separates") == "1 resource matches."
    assert Select(page.find_element(By.ID, "filter-type")).first_selected_option.text == "web"
    page.back()  # before the filter was chosen
    WebDriverWait(page, 10).until(
        lambda driver: driver.execute_script("return location.search") == "?q=separates"
    )
    WebDriverWait(page, 10).until(
        lambda _: (
            Select(page.find_element(By.ID, "filter-type")).first_selected_option.text == "Any"
        )
    )
    assert _searched(page, "separates") == "1 resource matches."
    page.find_element(By.LINK_TEXT, title).click()
    WebDriverWait(page, 10).until(lambda driver: driver.current_url.endswith(f"{EXAMPLE}.html"))
    page.back()  # from the resource to its search
    WebDriverWait(page, 10).until(lambda _: _results(page) == [title])
    assert page.find_element(By.ID, "q").get_attribute("value") == "separates"
    page.back()  # before anything was typed
    WebDriverWait(page, 10).until(lambda driver: driver.current_url == f"{origin}index.html")
    WebDriverWait(page, 10).until(lambda _: _results(page) == [])
    assert page.find_element(By.ID, "q").get_attribute("value") == ""


@pytest.mark.parametrize(
    "query",
    ["Vincent Brussee", "brus", "Lock-in", "sid_d9EnmTcnin", "d9EnmTcnin", "3e03a6e800128f8c"],
)
def test_search_finds_authors_citing_pages_and_pasted_ids(
    page: webdriver.Chrome, origin: str, query: str
) -> None:
    page.get(f"{origin}index.html?q={query}")
    _searched(page, query)
    assert "over 200 million AI-powered surveillance cameras" in _results(page)


def test_a_long_author_list_opens_on_demand(page: webdriver.Chrome, origin: str) -> None:
    page.get(f"{origin}r/sid_dYSKVskolN.html")
    authors = page.find_element(By.CSS_SELECTOR, "dd:has(details.more)")
    more = authors.find_element(By.TAG_NAME, "summary")
    assert more.text == "and 5 more"
    rest = authors.find_element(By.CSS_SELECTOR, ".rest")
    visible = "return arguments[0].checkVisibility()"
    assert authors.text.startswith("Ashish Vaswani, Noam Shazeer, Niki Parmar")
    assert not page.execute_script(visible, rest)
    more.click()
    assert page.execute_script(visible, rest)
    assert (
        rest.text == "Jakob Uszkoreit, Llion Jones, Aidan N. Gomez, Lukasz Kaiser, Illia Polosukhin"
    )
    _screenshot(page, "resource-authors")
    assert _fits_the_phone(page)
