"""The site's links back to the repository: "edit this file" and "report a problem",
from `[site]` in resreg.toml."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import PROJECT_ROOT, BuiltSite
from resource_registry.base import config
from resource_registry.base.errors import UsageError
from resource_registry.cli import cli
from resource_registry.release import dataset, site_pages
from resource_registry.release import site as website

EXAMPLE = "sid_d9EnmTcnin"
REPOSITORY = "https://github.com/owner/registry"


def test_the_site_table_is_read() -> None:
    parsed = config.parse(
        f'[site]\nrepository = "{REPOSITORY}"\nbranch = "release/2026"\n'.encode()
    )
    assert (parsed.site.repository, parsed.site.branch) == (REPOSITORY, "release/2026")
    assert config.parse(b"").site == config.Site("", "main")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('repository = "http://github.com/o/r"', "must be https://HOST/OWNER/REPO"),
        ('repository = "javascript:alert(1)//o/r"', "must be https://HOST/OWNER/REPO"),
        ('repository = "https://github.com/o/r?x=1"', "must be https://HOST/OWNER/REPO"),
        ('repository = "https://github.com/o/r/"', "must be https://HOST/OWNER/REPO"),
        ('repository = "https://github.com/o"', "must be https://HOST/OWNER/REPO"),
        ('branch = "a..b"', "is not a branch name"),
        ('branch = "main branch"', "is not a branch name"),
        ('branch = ""', "is not a branch name"),
        ('repo = "https://github.com/o/r"', "unknown key `repo` in [site]"),
    ],
)
def test_a_wrong_site_table_is_a_usage_error(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        config.parse(f"[site]\n{text}\n".encode())


def test_the_links_name_the_file_and_prefill_the_problem_form() -> None:
    links = site_pages.repository_links(REPOSITORY, "main", EXAMPLE)
    assert links == {
        "edit": f"{REPOSITORY}/edit/main/data/resources/d9/{EXAMPLE}.yaml",
        "report": f"{REPOSITORY}/issues/new?template=resource-problem.yml&resource={EXAMPLE}"
        f"&title=Problem%20with%20a%20resource%3A%20{EXAMPLE}",
    }
    assert site_pages.repository_links("", "main", EXAMPLE) is None


def _hrefs(page: Path) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="([^"]+)"', page.read_text())]


def test_resource_pages_link_to_the_repository_when_it_is_configured(
    built_site: BuiltSite, tmp_path: Path
) -> None:
    site = config.Site(REPOSITORY, "main")
    out = website.build_site(
        dataset.load_all(built_site.dataset), tmp_path / "s", jobs=1, site=site
    ).out
    hrefs = _hrefs(out / "r" / f"{EXAMPLE}.html")
    links = site_pages.repository_links(REPOSITORY, "main", EXAMPLE)
    assert links is not None
    assert links["edit"] in hrefs
    assert links["report"] in hrefs
    assert not any(
        href.startswith(REPOSITORY) for href in _hrefs(built_site.site / "r" / f"{EXAMPLE}.html")
    )


def test_the_site_command_reads_the_site_table(tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    shutil.copytree(PROJECT_ROOT / "data", registry / "data")
    (registry / "resreg.toml").write_text(f'[site]\nrepository = "{REPOSITORY}"\nbranch = "dev"\n')
    out = tmp_path / "site"
    args = ["site", "--out", str(out), "--root", str(registry), "--jobs", "1"]
    done = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    hrefs = _hrefs(out / "r" / f"{EXAMPLE}.html")
    assert f"{REPOSITORY}/edit/dev/data/resources/d9/{EXAMPLE}.yaml" in hrefs
    (registry / "resreg.toml").write_text('[site]\nrepository = "ftp://x/o/r"\n')
    refused = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert refused.exit_code == 2
    assert "[site] repository must be https://HOST/OWNER/REPO" in refused.output
