"""CSV import: good and bad rows, Shift_JIS, all-or-nothing, CLI and upload page."""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from admin import imports
from leadshare.extensions import db
from models import AuditEvent, Lead, Offer

HEADER = [
    "company_name",
    "address",
    "phone",
    "representative",
    "website",
    "region",
    "contact_name",
    "contact_phone",
    "contact_email",
    "consent",
    "consent_method",
    "teaser",
    "need",
    "product_interest",
    "budget",
    "authority",
    "need_confirmed",
    "timing_confirmed",
    "partner",
]


def row(n, **changes):
    """One CSV row as a dict; ``changes`` override cells."""
    values = {
        "company_name": f"株式会社インポート{n}",
        "address": "愛知県名古屋市",
        "phone": "052-1",
        "representative": "代表者",
        "website": f"https://imp{n}.example.jp",
        "region": "chubu",
        "contact_name": "担当者",
        "contact_phone": f"052-9{n:03d}",
        "contact_email": f"c{n}@imp.example.jp",
        "consent": "はい",
        "consent_method": "phone",
        "teaser": "サーバー更改",
        "need": "更改したい",
        "product_interest": "servers",
        "budget": "yes",
        "authority": "yes",
        "need_confirmed": "yes",
        "timing_confirmed": "yes",
        "partner": "",
    }
    values.update(changes)
    return values


def make_csv(rows, encoding="utf-8"):
    """CSV bytes in ``encoding``."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


ROWS = [
    row(1),
    row(2, website=""),  # missing required field
    row(3, contact_email="not-an-email"),  # bad e-mail
    row(4, partner="nosuch"),  # unknown partner
    row(5, partner="alpha"),  # good, offered to alpha
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_report_and_import_exactly_the_good_rows(world, encoding):
    """Bad rows come with their reasons; the good rows (and only they) are imported."""
    rows = imports.read_csv(imports.decode(make_csv(ROWS, encoding)))
    bad = {r.line: r.errors for r in rows if not r.ok}
    assert sorted(bad) == [3, 4, 5]
    assert any("website" in e for e in bad[3])
    assert any("not-an-email" in e for e in bad[4])
    assert any("nosuch" in e for e in bad[5])
    report = imports.import_rows(rows, world["sales"])
    assert len(report.imported) == 2
    names = set(db.session.scalars(sa.select(Lead).join(Lead.prospect)).all())
    assert {lead.prospect.company_name for lead in names} == {
        "株式会社インポート1",
        "株式会社インポート5",
    }
    offer = db.session.scalar(sa.select(Offer))
    assert offer.organisation_id == world["alpha"].id


def test_a_crash_mid_import_leaves_nothing(world, monkeypatch):
    """If offering the second good row fails, the first row is rolled back too."""
    rows = imports.read_csv(imports.decode(make_csv([row(1), row(2, partner="alpha"), row(3)])))

    def failing(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports.workflow, "offer_lead", failing)
    with pytest.raises(RuntimeError):
        imports.import_rows(rows, world["sales"])
    assert db.session.scalar(sa.select(sa.func.count(Lead.id))) == 0


def test_rows_like_an_existing_prospect_or_an_earlier_row_are_flagged(world, client, auth):
    """The duplicate test of the "post a lead" form, for the whole file at once."""
    imports.import_rows(imports.read_csv(imports.decode(make_csv([row(1)]))), world["sales"])
    text = imports.decode(
        make_csv(
            [
                row(2, company_name="株式会社インポート1"),  # an existing prospect
                row(3),
                row(4, contact_email="c3@imp.example.jp"),  # the row before
                row(5),
            ]
        )
    )
    with force_locale("en"):
        rows = imports.read_csv(text)
    warned = {r.line: r.warnings for r in rows if r.warnings}
    assert sorted(warned) == [2, 4]
    assert "same company name" in warned[2][0]
    assert "same contact e-mail" in warned[4][0]
    # A warning is shown before importing, not a stop: the staff member decides.
    auth.login("sales@vendor.example")
    page = client.post(
        "/admin/import/",
        data={"file": (io.BytesIO(text.encode()), "leads.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert re.search(r'data-warning="2">[^<]+</td>', page)
    assert 'data-warning="3"></td>' in page


@pytest.mark.postgres
def test_import_sends_as_many_statements_for_200_rows_as_for_20(world):
    """Rows are inserted in batches: the statement count does not grow with the file.

    PostgreSQL only: SQLAlchemy inserts ORM rows one by one on SQLite, whose
    RETURNING order is not guaranteed; production runs PostgreSQL.
    """
    from tests.bench.conftest import statements

    def count(first: int, n: int) -> int:
        rows = imports.read_csv(imports.decode(make_csv([row(first + i) for i in range(n)])))
        with statements() as seen:
            report = imports.import_rows(rows, world["sales"])
        assert len(report.imported) == n
        return len(seen)

    assert count(1000, 200) == count(100, 20)
    events = db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "lead.created")
    )
    assert events == 220


def test_cli_imports_with_a_report(world, runner, tmp_path):
    """``flask leads import FILE`` prints the bad rows and imports the good ones."""
    path = tmp_path / "leads.csv"
    path.write_bytes(make_csv(ROWS, "cp932"))
    result = runner.invoke(args=["leads", "import", str(path), "--owner", "sales@vendor.example"])
    assert result.exit_code == 0, result.output
    assert "line 3:" in result.output and "line 5:" in result.output
    assert "2 leads imported; 3 rows skipped." in result.output
    assert db.session.scalar(sa.select(sa.func.count(Lead.id))) == 2


def test_cli_refuses_an_unreadable_file(world, runner, tmp_path):
    """A file that is neither UTF-8 nor Shift_JIS imports nothing."""
    path = tmp_path / "leads.csv"
    path.write_bytes(b"\xff\xfe\x00\x81\x82\xff")
    result = runner.invoke(args=["leads", "import", str(path)])
    assert result.exit_code != 0
    assert db.session.scalar(sa.select(sa.func.count(Lead.id))) == 0


def test_upload_preview_then_import(world, client, auth):
    """The admin page shows every bad row before importing the good ones."""
    auth.login("admin@vendor.example")
    response = client.post(
        "/admin/import/",
        data={"file": (io.BytesIO(make_csv(ROWS, "cp932")), "leads.csv")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert "not-an-email" in html and "nosuch" in html
    assert db.session.scalar(sa.select(sa.func.count(Lead.id))) == 0
    import re

    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    response = client.post("/admin/import/confirm", data={"token": token})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Lead.id))) == 2
    # The same token cannot be replayed.
    client.post("/admin/import/confirm", data={"token": token})
    assert db.session.scalar(sa.select(sa.func.count(Lead.id))) == 2


def test_rows_past_a_partners_capacity_are_bad_rows(world, client, auth):
    """alpha may hold 3 leads and holds 1: two rows for it are offered, the rest flagged."""
    import re

    from models import workflow

    world["alpha"].policy.max_open_leads = 3
    from tests import factories

    held = workflow.offer_lead(factories.lead(world["sales"]), world["alpha"], world["sales"])
    db.session.commit()
    rows = [
        row(1, partner="alpha"),
        row(2, partner="alpha", website=""),  # bad anyway: does not use up capacity
        row(3, partner="alpha"),
        row(4, partner="alpha"),  # third new one: past capacity
        row(5, partner="beta", region="kanto"),  # other partners are counted on their own
        row(6),  # no partner: not limited
    ]
    auth.login("sales@vendor.example")
    response = client.post(
        "/admin/import/",
        data={"file": (io.BytesIO(make_csv(rows)), "leads.csv")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    bad_rows = html[html.index('id="bad-rows"') : html.index('id="good-rows"')]
    assert "株式会社インポート4" in bad_rows and "株式会社インポート2" in bad_rows
    assert "株式会社インポート3" not in bad_rows
    assert "would go past its capacity of 3 open leads (1 held now, 2 earlier in this file)" in (
        bad_rows
    )
    assert "4 rows can be imported; 2 rows have problems" in html

    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    response = client.post("/admin/import/confirm", data={"token": token}, follow_redirects=True)
    assert "4 leads imported; 2 rows skipped." in response.get_data(as_text=True)
    assert workflow.open_lead_count(world["alpha"].id) == 3
    assert workflow.open_lead_count(world["beta"].id) == 1
    assert held.state.value == "offered"
    assert db.session.scalar(sa.select(sa.func.count(Lead.id))) == 5


def test_a_partner_already_at_capacity_takes_no_row(world):
    """With no room left, every row for the partner is flagged; nothing is offered to it."""
    world["alpha"].policy.max_open_leads = 0
    db.session.commit()
    from flask_babel import force_locale

    with force_locale("en"):
        rows = imports.read_csv(imports.decode(make_csv([row(1, partner="alpha"), row(2)])))
    assert [r.ok for r in rows] == [False, True]
    assert "capacity of 0 open leads (0 held now, 0 earlier in this file)" in rows[0].errors[0]
    report = imports.import_rows(rows, world["sales"])
    assert len(report.imported) == 1
    assert db.session.scalar(sa.select(sa.func.count(Offer.id))) == 0


def test_the_import_applies_the_plausibility_limits(world):
    """An absurd amount or an overlong teaser is a bad row with its reason."""
    rows = [
        row(1, estimated_value="9223372036854775807"),
        row(2, teaser="x" * 501, estimated_value=""),
        row(3, estimated_value="１，２００，０００"),
    ]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*HEADER, "estimated_value"])
    writer.writeheader()
    writer.writerows(rows)
    results = imports.read_csv(imports.decode(out.getvalue().encode()))
    with force_locale("en"):
        bad = {r.line: " ".join(map(str, r.errors)) for r in results if not r.ok}
    assert sorted(bad) == [2, 3]
    assert "estimated_value" in bad[2] and "1,000,000,000,000" in bad[2]
    assert "teaser" in bad[3] and "500" in bad[3]
    good = next(r for r in results if r.ok)
    assert good.values["lead"]["estimated_value"] == 1_200_000


@pytest.mark.csrf
def test_confirming_with_an_expired_token_shows_the_preview_again(world, client, auth):
    """Nothing is imported; the preview is still there with a fresh token that works."""
    auth.login("admin@vendor.example")
    page = client.get("/admin/import/").get_data(as_text=True)
    fresh = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    preview = client.post(
        "/admin/import/",
        data={"file": (io.BytesIO(make_csv(ROWS, "utf-8")), "leads.csv"), "csrf_token": fresh},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', preview).group(1)
    refused = client.post(
        "/admin/import/confirm", data={"token": token, "csrf_token": "expired-or-forged"}
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "send it again" in html or "もう一度送信" in html
    assert "not-an-email" in html and f'value="{token}"' in html
    assert db.session.scalar(sa.select(sa.func.count(Lead.id))) == 0
    again = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html.split("/confirm")[1])
    done = client.post("/admin/import/confirm", data={"token": token, "csrf_token": again.group(1)})
    assert done.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Lead.id))) == 2


#: Columns that differ between two captures by nature: keys, references, links, clocks.
VOLATILE = {
    "id",
    "ref",
    "prospect_id",
    "lead_id",
    "entity_id",
    "created_at",
    "updated_at",
    "occurred_at",
    "qualified_at",
    "consent_recorded_at",
}


def _columns(row) -> dict:
    """A row's column values, volatile ones replaced by whether they are set."""
    return {
        column.key: (getattr(row, column.key) is not None)
        if column.key in VOLATILE
        else getattr(row, column.key)
        for column in sa.inspect(type(row)).mapper.columns
    }


def _written(lead_id: int) -> dict:
    """Every row one capture wrote, read back from the database, as column values."""
    from models import AuditEvent, InstalledProduct, Prospect
    from models.leads import ConversationNote

    db.session.expire_all()
    lead = db.session.get(Lead, lead_id)
    event = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "lead.created", AuditEvent.entity_id == lead.ref
        )
    ).one()
    prospect = db.session.get(Prospect, lead.prospect_id)
    notes = db.session.scalars(
        sa.select(ConversationNote).where(ConversationNote.lead_id == lead_id)
    ).all()
    products = db.session.scalars(
        sa.select(InstalledProduct)
        .where(InstalledProduct.prospect_id == prospect.id)
        .order_by(InstalledProduct.id)
    ).all()
    for clock in (lead.created_at, lead.updated_at, prospect.created_at, event.occurred_at):
        assert clock.tzinfo is not None
    return {
        "prospect": _columns(prospect),
        "lead": _columns(lead),
        "event": _columns(event),
        "notes": [_columns(n) for n in notes],
        "products": [_columns(p) for p in products],
    }


def _by_unit_of_work(actor, item) -> int:
    """What the capture wrote when it went through the ORM flush: the reference."""
    from models import capture
    from models.audit import record_event
    from models.base import utcnow

    record, new_lead, extra = capture._build(actor, item, utcnow())
    db.session.add_all([record, new_lead, *extra])
    db.session.flush()
    record_event(
        db.session,
        actor,
        "lead.created",
        new_lead,
        after=capture._audit(actor, record, new_lead, item),
    )
    db.session.flush()
    return new_lead.id


def test_an_imported_lead_is_written_row_for_row_as_one_captured_by_hand(world):
    """Import, ``capture_lead`` and the unit of work write the same rows for the same input.

    Prospect (with its normalised keys), lead, first note, installed products and
    the ``lead.created`` event: every column but ids, references and clocks.
    """
    from datetime import date

    from models.capture import CaptureInput, NoteInput, ProductInput, capture_lead
    from models.leads import Channel, NoteCategory

    actor = world["sales"]
    text = imports.decode(
        make_csv(
            [
                row(1, company_name="（株）ＩＭＰ　テスト", contact_email="Ｃ1@Imp.example.jp"),
                row(2, budget="no", phone="０５２－１２３"),
            ]
        )
    )
    parsed = imports.read_csv(text)
    assert all(r.ok for r in parsed), [r.errors for r in parsed]
    report = imports.import_rows(parsed, actor)
    imported = [
        db.session.scalar(sa.select(Lead.id).where(Lead.ref == ref)) for ref in report.imported
    ]
    for lead_id, parsed_row in zip(imported, parsed, strict=True):
        values = parsed_row.values
        item = CaptureInput(
            prospect=values["prospect"],
            lead=values["lead"],
            consent=values["consent"],
            consent_method=values["consent_method"],
            checklist=values["checklist"],
        )
        by_hand = capture_lead(
            actor,
            prospect=item.prospect,
            lead=item.lead,
            consent=item.consent,
            consent_method=item.consent_method,
            checklist=item.checklist,
        )
        reference = _by_unit_of_work(actor, item)
        assert _written(lead_id) == _written(by_hand.id) == _written(reference)

    # With a first note and installed products (what the "post a lead" form adds).
    note = NoteInput(text=" 話した内容 ", channel=Channel.PHONE, category=NoteCategory.OTHER)
    products = [
        ProductInput(
            product_name=" サーバー ", product_line="servers", installed_on=date(2020, 4, 1)
        ),
        ProductInput(product_name="ストレージ", quantity=0),
    ]
    values = parsed[0].values
    item = CaptureInput(
        prospect=values["prospect"],
        lead={**values["lead"], "expected_close_on": date(2027, 3, 31)},
        consent=True,
        consent_method=values["consent_method"],
        checklist=values["checklist"],
        note=note,
        products=products,
    )
    by_hand = capture_lead(
        actor,
        prospect=item.prospect,
        lead=item.lead,
        consent=True,
        consent_method=item.consent_method,
        checklist=item.checklist,
        note=note,
        products=products,
    )
    written = _written(by_hand.id)
    assert len(written["notes"]) == 1 and len(written["products"]) == 2
    assert written == _written(_by_unit_of_work(actor, item))
