"""Every form of both doors, attacked with arbitrary input (hypothesis).

The forms are found the way a user finds them: by opening the pages of the
portal and the back office and reading their ``<form method="post">``. Each one
then receives a few examples of arbitrary input (bounded and derandomised, so
the run is short and repeatable). For every answer: no 500, no SQL or exception
text on the page, and nothing changed when the input was refused. Every form
that carries a version is also sent without it and with an unreadable one: it
is refused exactly like a stale form, and nothing changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadshare.extensions import db
from models import Base
from tests.conftest import Auth
from tests.portal.conftest import make_offer

#: Text that must never reach a page: SQL, drivers, tracebacks, constraint names.
LEAKS = re.compile(
    r"Traceback|sqlalchemy|psycopg|sqlite3|IntegrityError|OperationalError|DataError|"
    r"\bSELECT\b.+\bFROM\b|\bINSERT INTO\b|\bUPDATE\b \w+ SET|ck_\w+_within_limits|"
    r"StatementError|ValueError|KeyError|TypeError",
    re.S,
)

#: Tables a refused request may still touch: login bookkeeping, and the audit of refused
#: logins and second-factor attempts (audited on purpose).
BOOKKEEPING = {"login_sessions"}
AUDITED_REFUSALS = ("/login", "/password/forgot", "/account/two-factor")

STALE = "Reload the page and try again."

#: Arbitrary input, weighted towards what breaks forms: huge and negative numbers,
#: odd dates, long text, markup, SQL, control and full-width characters.
NASTY = st.one_of(
    st.text(max_size=40),
    st.text(min_size=2001, max_size=2100, alphabet="あx"),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "9223372036854775807",
            "1,200,000",
            "１２３",
            "0001-01-01",
            "9999-12-31",
            "2026-02-30",
            "25:61",
            "abc",
            "' OR 1=1 --",
            "<script>alert(1)</script>",
            "\x00",
            "other",
            "accepted",
        ]
    ),
)


@dataclass
class FoundForm:
    """One ``<form method="post">`` of a page: where it posts and its fields' defaults."""

    page: str
    action: str
    fields: dict[str, str] = field(default_factory=dict)
    #: Fields a user types text into (the text must survive a refused form).
    texts: set[str] = field(default_factory=set)

    @property
    def version_field(self) -> str | None:
        """The name of the form's version field, if it carries one."""
        return next((name for name in self.fields if name.split("-")[-1] == "version"), None)


class _FormParser(HTMLParser):
    """Collect the post forms of a page with each field's default value."""

    def __init__(self, page: str):
        super().__init__()
        self.page = page
        self.forms: list[FoundForm] = []
        self._form: FoundForm | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = FoundForm(self.page, a.get("action") or self.page)
        if self._form is None or not a.get("name"):
            selecting = tag == "option" and self._form is not None and self._select
            if selecting and not self._form.fields.get(self._select):
                self._form.fields[self._select] = a.get("value") or ""  # first real choice
            return
        name = a["name"]
        if tag == "input" and a.get("type") in ("checkbox", "radio"):
            if "checked" in a:
                self._form.fields[name] = a.get("value") or "y"
        elif tag == "input":
            self._form.fields.setdefault(name, a.get("value") or "")
            if a.get("type", "text") in ("text", "email", "url", "search"):
                self._form.texts.add(name)
        elif tag == "textarea":
            self._form.fields.setdefault(name, "")
            self._form.texts.add(name)
        elif tag == "select":
            self._select = name
        if tag == "option" and self._select:
            self._form.fields.setdefault(self._select, a.get("value") or "")
        if tag == "option" and self._select and not self._form.fields.get(self._select):
            self._form.fields[self._select] = a.get("value") or ""  # first real choice

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        if tag == "select":
            self._select = None


def forms_of(client, page: str) -> list[FoundForm]:
    """The post forms of ``page`` (language switchers and logout left out)."""
    response = client.get(page)
    assert response.status_code == 200, (page, response.status_code)
    parser = _FormParser(page)
    parser.feed(response.get_data(as_text=True))
    skip = ("/language", "/logout", "/account/logout-everywhere")
    return [f for f in parser.forms if not f.action.split("?")[0].endswith(skip)]


def snapshot() -> dict[str, list]:
    """Every row of every table but the bookkeeping ones."""
    rows = {}
    for table in Base.metadata.sorted_tables:
        if table.name in BOOKKEEPING:
            continue
        result = db.session.execute(sa.select(table).order_by(*table.primary_key.columns))
        rows[table.name] = [tuple(r) for r in result]
    db.session.rollback()
    return rows


def attack(client, form: FoundForm, values: dict[str, str]):
    """Post ``values`` to the form and check what any user may rely on."""
    before = snapshot()
    response = client.post(form.action, data=values)
    status = response.status_code
    html = response.get_data(as_text=True)
    assert status != 500, (form.action, values)
    assert status < 500, (form.action, status)
    leak = LEAKS.search(html)
    assert leak is None, (form.action, values, leak and leak.group(0))
    refused = status >= 400
    if refused and not form.action.startswith(AUDITED_REFUSALS):
        assert snapshot() == before, ("a refused request changed data", form.action, values)
    return response


def check_form(client, form: FoundForm) -> None:
    """A few examples of arbitrary input in every field of ``form``."""
    names = [n for n in form.fields if n != "csrf_token"]
    if not names:
        attack(client, form, {})
        return

    @settings(
        max_examples=4,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.fixed_dictionaries({name: NASTY for name in names}))
    def run(values):
        attack(client, form, values)

    run()


def plausible(fields: dict[str, str]) -> dict[str, str]:
    """The form's defaults with every empty field given a value a careful user would type."""
    today = date.today().isoformat()
    values = {}
    for name, value in fields.items():
        key = name.split("-")[-1]
        if value:
            values[name] = value
        elif "date" in key or key in ("day", "expected_close_on"):
            values[name] = today
        elif key == "time":
            values[name] = "10:00"
        elif "amount" in key or "value" in key:
            values[name] = "1,000"
        else:
            values[name] = "Checked with the customer."
    return values


def check_version(client, form: FoundForm) -> None:
    """Without its version, or with an unreadable one, a form is refused like a stale one."""
    name = form.version_field
    for version in (None, "", "abc", "1e3", "-1", "１"):
        values = plausible(form.fields)
        values.pop("csrf_token", None)
        if version is None:
            values.pop(name)
        else:
            values[name] = version
        before = snapshot()
        response = client.post(form.action, data=values)
        assert snapshot() == before, (form.action, version)
        if response.status_code == 302:  # the message waits on the page redirected to
            response = client.get(response.headers["Location"])
        assert STALE in response.get_data(as_text=True), (form.action, version)


@pytest.fixture
def english_world(world):
    """The shared world with every user reading English (the stale message is matched)."""
    from models import Locale, User

    for user in db.session.scalars(sa.select(User)):
        user.locale = Locale.EN
    db.session.commit()
    return world


def _registration(world, company: str):
    """A registration of alpha's rep, through the rule."""
    from models import workflow

    return workflow.register_deal(
        world["alpha_rep"],
        company_name=company,
        address="Nagoya",
        phone="052-111-" + str(len(company)).zfill(4),
        representative="Rep",
        website="https://example.jp",
        contact_name="Contact",
        contact_phone="052-222-" + str(len(company)).zfill(4),
        contact_email=f"c{len(company)}@example.jp",
        need="A new POS",
        product_interest="servers",
    )


def _portal_pages(world) -> tuple[list[str], list[str]]:
    """Every page of a partner manager that holds a form, each form in a state that shows it."""
    from models import Locale, Role, invitations, workflow
    from models.api_tokens import create_api_token
    from models.webhooks import register_endpoint

    open_offer = make_offer(world, "alpha", details=True)
    teaser = make_offer(world, "alpha")
    worked = make_offer(world, "alpha", accept=True)
    rejected = _registration(world, "Rejected Company")
    workflow.reject_registration(rejected, world["sales"], reason="Known customer")
    approved = _registration(world, "Approved Company Limited")
    workflow.approve_registration(approved, world["sales"])
    waiting = _registration(world, "Waiting Co")
    endpoint = register_endpoint(
        world["alpha_manager"], url="https://crm.alpha.example/hook", events=["offer.received"]
    )
    create_api_token(None, world["alpha_manager"], name="CRM")
    invitations.invite(
        world["alpha_manager"],
        name="Invited",
        email="invited@alpha.example",
        role=Role.PARTNER_REP,
        locale=Locale.EN,
    )
    db.session.commit()
    return [
        f"/leads/{worked.lead.ref}",
        f"/leads/{open_offer.lead.ref}",
        f"/leads/{teaser.lead.ref}",
        "/team",
        "/registrations",
        f"/registrations/{rejected.ref}",
        f"/registrations/{approved.ref}",
        f"/registrations/{waiting.ref}",
        "/api-tokens",
        "/webhooks",
        f"/webhooks/{endpoint.ref}",
        "/account/two-factor",
        "/account",  # last: its session buttons may end the session
    ], [worked.lead.ref, open_offer.lead.ref]


#: Every action of the partner portal that has a form (the crawl must find each one).
PORTAL_ACTIONS = (
    "/request-details",
    "/accept",
    "/decline",
    "/stage",
    "/activities",
    "/won",
    "/lost",
    "/comments",
    "/assign",
    "/files",
    "/team/invite",
    "/reset",
    "/deactivate",
    "/resend",
    "/cancel",
    "/registrations",
    "/resubmit",
    "/extension",
    "/withdraw",
    "/api-tokens",
    "/revoke",
    "/webhooks",
    "/test",
    "/pause",
    "/account/password",
    "/account/two-factor",
)


def _versioned_first(forms: list[FoundForm]) -> list[FoundForm]:
    """Forms in page order, one per action."""
    seen, unique = set(), []
    for form in forms:
        if form.action not in seen:
            seen.add(form.action)
            unique.append(form)
    return unique


def test_every_portal_form_survives_arbitrary_input(app, client, english_world):
    pages, _refs = _portal_pages(english_world)
    Auth(client).login("manager@alpha.example")
    found = _versioned_first([f for page in pages for f in forms_of(client, page)])
    missing = [
        a for a in PORTAL_ACTIONS if not any(f.action.split("#")[0].endswith(a) for f in found)
    ]
    assert not missing, missing
    # accept and decline (the open offer), stage, won and lost (the accepted lead)
    assert sum(1 for f in found if f.version_field) >= 5, [f.action for f in found]
    for form in found:
        if form.version_field:
            check_version(client, form)
    for form in found:
        check_form(client, form)


def test_every_public_form_survives_arbitrary_input(app, client, english_world):
    for page in ("/login", "/password/forgot"):
        for form in forms_of(client, page):
            check_form(client, form)


def test_every_back_office_lead_form_survives_arbitrary_input(app, client, english_world):
    worked = make_offer(english_world, "alpha", accept=True)
    offered = make_offer(english_world, "alpha", details=True)
    Auth(client).login("admin@vendor.example")
    pages = [f"/admin/desk/{worked.lead.ref}", f"/admin/desk/{offered.lead.ref}", "/admin/desk/"]
    found = _versioned_first([f for page in pages for f in forms_of(client, page)])
    assert len(found) >= 8, [f.action for f in found]
    # qualify, stage, activity, won, lost
    assert sum(1 for f in found if f.version_field) >= 4, [f.action for f in found]
    for form in found:
        if form.version_field:
            check_version(client, form)
    for form in found:
        check_form(client, form)


def _typed(form: FoundForm) -> dict[str, str]:
    """Plausible values, each text field holding its own recognisable text."""
    values = plausible(form.fields)
    for name in form.texts:
        key = name.split("-")[-1]
        if key == "email":
            values[name] = f"typed.{key}@example.jp"
        elif not any(word in key for word in ("date", "day", "time", "amount", "value", "days")):
            values[name] = f"Typed {key} text"
    values["csrf_token"] = "expired-or-forged"  # noqa: S105 (not a secret)
    return values


@pytest.mark.csrf
def test_every_portal_form_sent_with_an_expired_token_asks_again_and_keeps_the_text(
    app, client, english_world
):
    """Nothing happens, no bare 400: the form comes back with what was typed, or the
    page says the button must be pressed again."""
    pages, _refs = _portal_pages(english_world)
    Auth(client).login("manager@alpha.example")
    found = _versioned_first([f for page in pages for f in forms_of(client, page)])
    assert len(found) >= len(PORTAL_ACTIONS), [f.action for f in found]
    for form in found:
        values = _typed(form)
        before = snapshot()
        response = client.post(form.action, data=values)
        assert snapshot() == before, form.action
        assert response.status_code in (302, 422), (form.action, response.status_code)
        if response.status_code == 302:
            html = client.get(response.headers["Location"]).get_data(as_text=True)
        else:
            html = response.get_data(as_text=True)
        assert "send it again" in html, form.action
        if response.status_code == 422:
            for name in form.texts:
                if values[name] != form.fields.get(name) and name != "csrf_token":
                    assert values[name] in html, (form.action, name)
