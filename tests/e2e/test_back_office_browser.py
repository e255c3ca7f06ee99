"""The back office in Chromium, as an administrator and as sales, in Japanese and English.

One browser, one logged-in context per user. Every view is opened; every filter
option it offers is applied (the first one through the filter menu itself, the
rest by URL); every list is exported and a details page of each opened; the bulk
actions run. Any answer other than 200, any console error (CSP violations
included) and any raw value on a page fails the test.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest

from leadshare.demo import PASSWORD as DEMO_PASSWORD
from leadshare.demo import load_demo
from leadshare.extensions import db
from tests.e2e.conftest import BROWSER_TEST, login, serving_in_memory

pytestmark = BROWSER_TEST

#: Raw values that must never reach a page: UTC offsets, Python's True/False/None,
#: enum names, code-like enum values shown as text.
RAW = re.compile(
    r"\+00:00|\bTrue\b|\bFalse\b|\bNone\b|\b(PENDING|APPROVED|REJECTED|OFFERED|ACCEPTED|FAILED)\b"
)
LISTS = {
    "sales": [
        "leads",
        "prospects",
        "notes",
        "offers",
        "comments",
        "registrations",
    ],
    "admin": [
        "leads",
        "prospects",
        "notes",
        "offers",
        "comments",
        "registrations",
        "partners",
        "policies",
        "users",
        "audit",
        "outbox",
    ],
}
PAGES = ["/admin/", "/admin/pipeline/", "/admin/desk/", "/admin/reports/", "/admin/import/"]


@pytest.fixture
def server(app):
    """The app with the demo data, served by a real HTTP server in a thread."""
    load_demo()
    db.session.commit()
    with serving_in_memory(app) as base:
        yield base


class Staff:
    """One logged-in browser context, recording every problem it meets."""

    def __init__(self, browser, base: str, email: str):
        self.base = base
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        self.page.on("response", self._response)
        self.page.on("dialog", lambda dialog: dialog.accept())
        login(self.page, base, email, DEMO_PASSWORD)

    def _console(self, message) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text} ({self.page.url})")

    def _response(self, response) -> None:
        if response.url.startswith(self.base) and response.status >= 400:
            self.problems.append(f"{response.status} {response.url}")

    def language(self, code: str) -> None:
        """Switch the interface language with the navigation bar's button."""
        self.page.goto(f"{self.base}/admin/")
        with self.page.expect_navigation():
            self.page.click(f"button[name=locale][value={code}]")

    def open(self, path: str) -> str:
        """Open a page; return its visible text after checking it for raw values."""
        response = self.page.goto(f"{self.base}{path}")
        assert response is not None and response.status == 200, path
        text = self.page.inner_text("body")
        raw = RAW.search(text)
        if raw:
            self.problems.append(f"raw value {raw.group(0)!r} on {path}")
        return text

    def fetch(self, path: str) -> bytes:
        """GET with the context's session (no rendering); must answer 200."""
        response = self.context.request.get(f"{self.base}{path}")
        if response.status != 200:
            self.problems.append(f"{response.status} {path}")
        return response.body()


def filter_menu(page) -> dict:
    """The filter groups the list offers (Flask-Admin's JSON in the page)."""
    data = page.locator("#filter-groups-data")
    return json.loads(data.inner_text()) if data.count() else {}


def check_list(staff: Staff, name: str, every_option: bool) -> None:
    """One list: open it, apply a filter through its menu (and, with ``every_option``,
    every option it offers), export it, open a details page."""
    path = f"/admin/{name}/"
    staff.open(path)
    page = staff.page
    groups = filter_menu(page)
    first_with_options = next(
        ((group, item) for group, items in groups.items() for item in items if item["options"]),
        None,
    )
    if first_with_options is not None:
        # The filter menu itself (its handlers used to be inline and blocked by the CSP).
        group, item = first_with_options
        page.locator("li.dropdown:has(.field-filters) > a.dropdown-toggle").click()
        page.locator("a.dropdown-item.filter", has_text=group).first.click()
        page.locator("#filter_form select.filter-val").last.select_option(
            item["options"][0][0], force=True
        )
        with page.expect_navigation():
            page.locator("#filter_form button[type=submit]").click()
        assert "flt" in page.url, (name, page.url)
        text = page.inner_text("body")
        if RAW.search(text):
            staff.problems.append(f"raw value on filtered {path}")
    for items in groups.values() if every_option else ():
        for item in items:
            for value, label in item["options"] or []:
                if re.fullmatch(r"[a-z][a-z0-9_]*", label):
                    staff.problems.append(f"code {label!r} offered as a label in {path}")
                query = urlencode({f"flt0_{item['arg']}": value})
                html = staff.fetch(f"{path}?{query}").decode()
                if "alert-danger" in html:
                    staff.problems.append(f"filter {item['arg']}={value} refused on {path}")
    exported = staff.fetch(f"{path}export/csv/")
    if not exported.startswith(b"\xef\xbb\xbf"):
        staff.problems.append(f"export of {path} has no BOM")
    details = page.locator("a[href*='details/?id=']").first
    if details.count():
        staff.open(details.get_attribute("href").replace(staff.base, ""))


def run_actions(staff: Staff, admin: bool) -> None:
    """The bulk actions, through the real menu (their handlers used to be inline)."""
    page = staff.page
    plan = [("leads", "archive"), ("leads", "unarchive"), ("notes", "archive")]
    if admin:
        plan.append(("partners", "suspend"))
    for name, action in plan:
        staff.open(f"/admin/{name}/")
        page.locator("input.action-checkbox").first.check()
        page.locator("li.dropdown:has(a[data-model-action]) > a.dropdown-toggle").click()
        with page.expect_navigation():
            page.locator(f"a[data-model-action={action}]").click()
        assert page.locator(".alert-success").count() == 1, (name, action, page.url)


def test_back_office_in_chromium(server, browser):
    """Sales, then an administrator; each in Japanese, then in English."""
    for role in ("sales", "admin"):
        staff = Staff(browser, server, f"{role}@vendor.example")
        for code in ("ja", "en"):
            staff.language(code)
            for path in PAGES:
                staff.open(path)
            for name in LISTS[role]:
                # Every option once, as the administrator (whose lists include
                # sales's); labels in both languages: tests/admin/test_back_office.py.
                check_list(staff, name, every_option=role == "admin" and code == "ja")
            staff.open("/admin/pipeline/")
            card = staff.page.locator(".pipeline-card a").first
            staff.open(card.get_attribute("href"))
        run_actions(staff, admin=role == "admin")
        staff.context.close()
        assert staff.problems == [], role


def test_admin_resets_a_second_factor_in_chromium(server, browser):
    """The users list's "Reset two-factor authentication": confirmed, done, no CSP error."""
    import pyotp
    import sqlalchemy as sa

    from models import User, accounts
    from models.base import utcnow

    rep = db.session.scalar(sa.select(User).where(User.email == "rep@alpha.example"))
    secret = accounts.new_totp_secret()
    accounts.enable_two_factor(rep, secret=secret, code=pyotp.TOTP(secret).now(), now=utcnow())
    db.session.commit()
    rep_id = rep.id
    assert rep.has_two_factor

    staff = Staff(browser, server, "admin@vendor.example")
    page = staff.page
    asked: list[str] = []
    page.on("dialog", lambda dialog: asked.append(dialog.message))
    for code in ("ja", "en"):
        staff.language(code)
        staff.open("/admin/users/?search=rep%40alpha.example")
        row = page.locator("tr", has_text="rep@alpha.example")
        row.locator("input.action-checkbox").check()
        page.locator("li.dropdown:has(a[data-model-action]) > a.dropdown-toggle").click()
        with page.expect_navigation():
            page.locator("a[data-model-action=reset_two_factor]").click()
        assert page.locator(".alert-success").count() == 1, page.url
        db.session.expire_all()
        assert not db.session.get(User, rep_id).has_two_factor
    # The confirmation was asked each time, in the user's language.
    assert len(asked) == 2 and asked[0] != asked[1], asked
    assert "二要素" in asked[0] and "second factor" in asked[1], asked
    staff.context.close()
    assert staff.problems == []
