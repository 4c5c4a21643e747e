"""Answers that are not the resource: a "not found" page served as 200 (`soft-404`), a
login page (`login-wall`) or a bot challenge (`bot-wall`).

Two kinds of evidence:

- signatures, read from the answer itself: the markers that challenge services put in
  their pages (Cloudflare, DDoS-Guard, Imperva, PerimeterX, DataDome, Sucuri, AWS WAF,
  reCAPTCHA, hCaptcha, Turnstile), a redirect that ended on a sign-in address, a short
  page with a password field, a short page whose title says "not found";
- the probe: a random path on the same host, fetched once per host and run. A host that
  answers a path that cannot exist with 200 serves soft 404s; a page that ends where the
  probe ended, or reads like the probe, is one of them.

A long page is believed over a phrase in its title (an article about 404 errors is an
article), and a challenge service's marker is believed at any length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from resource_registry.content.fingerprint import similarity

WALL_VERDICTS: Final = ("soft-404", "login-wall", "bot-wall")
# pages longer than these are taken for content whatever their title says
SHORT_PAGE: Final = 400
SHORT_CHALLENGE: Final = 150
CAPTCHA_ONLY: Final = 20
# a page this similar to the probe's is the host's "not found" page
LIKE_THE_PROBE: Final = 0.9

# markers that only a challenge page carries
_CHALLENGE_MARKERS: Final = (
    b"cf-browser-verification",
    b"cf_chl_opt",
    b"/cdn-cgi/challenge-platform/",
    b"cf-challenge-running",
    b"ddos-guard.net/check",
    b"_incapsula_resource",
    b"incapsula incident id",
    b"px-captcha",
    b"captcha-delivery.com",
    b"sucuri website firewall - access denied",
    b"awswaferrorpage",
    b"challenge.js?aws",
    b"/_sec/cp_challenge/",
)
# markers of a captcha widget, and phrases of challenge pages: believed on short pages
_CAPTCHA_MARKERS: Final = (
    b"g-recaptcha",
    b"h-captcha",
    b"hcaptcha.com/1/api.js",
    b"challenges.cloudflare.com/turnstile",
)
_CHALLENGE_PHRASES: Final = re.compile(
    r"just a moment\.\.\.|checking your browser|verify (?:that )?you are (?:a )?human|"
    r"are you a robot|unusual traffic from your (?:computer )?network|"
    r"enable javascript and cookies to continue|press (?:&|and) hold|"
    r"attention required! \| cloudflare|please complete the security check|"
    r"access to this page has been denied|request unsuccessful\. incapsula",
    re.IGNORECASE,
)
_LOGIN_PATH: Final = re.compile(
    r"/(?:log[-_]?in|sign[-_]?in|signon|auth(?:enticate)?|sso|session/new|"
    r"accounts?/(?:log[-_]?in|sign[-_]?in)|users?/(?:log[-_]?in|sign[-_]?in)|"
    r"idp/|oauth2?/authorize|cas/login)(?:[/?.#]|\Z)",
    re.IGNORECASE,
)
_PASSWORD_FIELD: Final = re.compile(rb"<input\b[^>]*\btype\s*=\s*[\"']?password", re.IGNORECASE)
_LOGIN_WORDS: Final = re.compile(
    r"\b(?:log ?in|sign ?in|signin|login required|members? only|subscribers? only|"
    r"create an account|anmelden|connexion|iniciar sesi[oó]n)\b",
    re.IGNORECASE,
)
_NOT_FOUND: Final = re.compile(
    r"\b404\b|not found|no longer (?:available|exists)|(?:does not|doesn.t|did not) exist|"
    r"(?:could not|couldn.t|cannot|can.t) be found|page (?:you (?:requested|were looking "
    r"for)|is missing)|nothing (?:was )?found|page unavailable|seite nicht gefunden|"
    r"page introuvable|p[aá]gina no encontrada|pagina non trovata|pagina niet gevonden|"
    r"nie znaleziono strony|страница не найдена",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Probe:
    """What the host answered for a path that cannot exist."""

    status: int
    final_url: str | None  # where its redirects ended, if any
    fingerprint: str | None

    @property
    def soft(self) -> bool:
        """The host answers anything with success: its 200s prove nothing by themselves."""
        return 200 <= self.status < 300


def signature(
    body: bytes, *, status: int, title: str | None, text: str, url: str, final_url: str | None
) -> str | None:
    """The wall an answer shows by itself, or None."""
    head = body[: 256 * 1024].lower()
    words = len(text.split())
    shown = f"{title or ''} {text[:2000]}"
    if any(marker in head for marker in _CHALLENGE_MARKERS):
        return "bot-wall"
    if words < SHORT_CHALLENGE and _CHALLENGE_PHRASES.search(shown):
        return "bot-wall"
    # a captcha alone proves little: forms of real posts carry invisible ones
    if words < CAPTCHA_ONLY and any(marker in head for marker in _CAPTCHA_MARKERS):
        return "bot-wall"
    if final_url is not None and _login_address(final_url) and not _login_address(url):
        return "login-wall"
    if words < SHORT_PAGE and _PASSWORD_FIELD.search(head) and _LOGIN_WORDS.search(shown):
        return "login-wall"
    if status == 401 and _LOGIN_WORDS.search(shown):
        return "login-wall"
    if 200 <= status < 300 and words < SHORT_PAGE and _not_found(title, text):
        return "soft-404"
    return None


def _login_address(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return bool(_LOGIN_PATH.search(parts.path) or _LOGIN_PATH.search(f"/{parts.netloc}/"))


def _not_found(title: str | None, text: str) -> bool:
    """The title says "not found", or the text opens with it (a page with no title)."""
    if title and _NOT_FOUND.search(title):
        return True
    opening = " ".join(text.split()[:12])
    return bool(opening) and bool(_NOT_FOUND.search(opening)) and len(text.split()) < 60


def like_the_probe(
    probe: Probe, *, url: str, final_url: str | None, fingerprint: str | None
) -> bool:
    """A 2xx page of a host that answers everything, that ends where the probe ended (a
    redirect to the home page, say) or reads like the probe's page."""
    if not probe.soft:
        return False
    if probe.final_url is not None and final_url is not None and final_url == probe.final_url:
        return final_url != url
    if probe.fingerprint is None or fingerprint is None:
        return False
    return similarity(probe.fingerprint, fingerprint) >= LIKE_THE_PROBE
