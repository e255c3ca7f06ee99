"""CSV import of leads: parse, report every bad row with its reason, import the good rows.

The same :func:`read_csv` / :func:`import_rows` serve the back office's upload
page and ``flask --app wsgi leads import FILE``. UTF-8 (with or without BOM)
and Shift_JIS / CP932 (Excel in Japan) are accepted; the csv module parses.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app, flash, redirect, request, url_for
from flask.cli import AppGroup
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload

from admin.forms import ConfirmForm, ImportUploadForm
from admin.security import StaffAccessMixin
from leadshare.extensions import csrf, db
from leadshare.forms import SEND_AGAIN, token_expired
from models import limits, workflow
from models.capture import (
    LEAD_REQUIRED,
    CaptureInput,
    find_duplicates_bulk,
    insert_captures,
)
from models.catalogue import INDUSTRIES, PRODUCT_LINES, REGIONS, SIZE_BANDS
from models.leads import Lead, LeadSource, Timing
from models.organisations import Organisation, OrgKind
from models.prospects import PROSPECT_FIELDS, PROSPECT_REQUIRED, ConsentMethod, Prospect
from models.users import Role, User

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000

COLUMNS = (
    *PROSPECT_FIELDS,
    "consent",
    "consent_method",
    "teaser",
    "need",
    "product_interest",
    "source",
    "timing",
    "estimated_value",
    "budget",
    "authority",
    "need_confirmed",
    "timing_confirmed",
    "partner",
)
#: Japanese headers accepted for the same columns.
HEADER_ALIASES = {
    "会社名": "company_name",
    "住所": "address",
    "電話番号": "phone",
    "代表者": "representative",
    "ウェブサイト": "website",
    "業種": "industry",
    "規模": "size_band",
    "地域": "region",
    "担当者名": "contact_name",
    "役職": "contact_title",
    "担当者電話番号": "contact_phone",
    "担当者メール": "contact_email",
    "同意": "consent",
    "同意方法": "consent_method",
    "概要": "teaser",
    "ニーズ": "need",
    "製品分野": "product_interest",
    "流入元": "source",
    "時期": "timing",
    "見込み金額": "estimated_value",
    "予算": "budget",
    "決裁者": "authority",
    "ニーズ確認": "need_confirmed",
    "時期確認": "timing_confirmed",
    "パートナー": "partner",
}
TRUE_WORDS = {"1", "true", "yes", "y", "はい", "有", "あり", "○"}
FALSE_WORDS = {"", "0", "false", "no", "n", "いいえ", "無", "なし", "×"}


class ImportFileError(ValueError):
    """The file as a whole cannot be read (encoding, size, header)."""


@dataclass
class RowResult:
    """One data row of the file: its line number, parsed values and problems."""

    line: int
    raw: dict[str, str]
    errors: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    #: Why the row looks like an existing prospect (shown before importing; not a stop).
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """The row can be imported."""
        return not self.errors


@dataclass
class ImportReport:
    """Every row's result, and what was imported."""

    rows: list[RowResult]
    imported: list[str] = field(default_factory=list)

    @property
    def good(self) -> list[RowResult]:
        """Rows without problems."""
        return [r for r in self.rows if r.ok]

    @property
    def bad(self) -> list[RowResult]:
        """Rows with at least one problem."""
        return [r for r in self.rows if not r.ok]


def decode(data: bytes) -> str:
    """UTF-8 (BOM or not), else Shift_JIS/CP932; anything else is refused."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(str(_l("The file is larger than 5 MB.")))
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(str(_l("The file is neither UTF-8 nor Shift_JIS.")))


def _bool(row: RowResult, name: str) -> bool:
    """A yes/no cell."""
    value = row.raw.get(name, "").strip().lower()
    if value in TRUE_WORDS:
        return True
    if value not in FALSE_WORDS:
        row.errors.append(str(_l("%(column)s: say yes or no.", column=name)))
    return False


def _code(row: RowResult, name: str, allowed: Iterable[str], required: bool = False):
    """A cell holding one of ``allowed`` codes."""
    value = row.raw.get(name, "").strip()
    if not value:
        if required:
            row.errors.append(str(_l("%(column)s is required.", column=name)))
        return None
    if value not in allowed:
        row.errors.append(
            str(_l("%(column)s: unknown value “%(value)s”.", column=name, value=value))
        )
        return None
    return value


def check_row(row: RowResult, partners: dict[str, Organisation]) -> RowResult:
    """Validate one row, filling ``values`` and ``errors``."""
    raw = row.raw
    for name in (*PROSPECT_REQUIRED, *LEAD_REQUIRED):
        if not raw.get(name, "").strip():
            row.errors.append(str(_l("%(column)s is required.", column=name)))
    email = raw.get("contact_email", "").strip()
    if email:
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            row.errors.append(
                str(_l("contact_email: “%(value)s” is not an e-mail address.", value=email))
            )
    region = _code(row, "region", REGIONS, required=True)
    product = _code(row, "product_interest", PRODUCT_LINES)
    industry = _code(row, "industry", INDUSTRIES)
    size_band = _code(row, "size_band", SIZE_BANDS)
    source = _code(row, "source", [s.value for s in LeadSource])
    timing = _code(row, "timing", [t.value for t in Timing])
    method = _code(row, "consent_method", [m.value for m in ConsentMethod])
    consent = _bool(row, "consent")
    if consent and method is None:
        row.errors.append(str(_l("consent_method is required when consent is yes.")))
    estimated = None
    try:
        estimated = limits.parse_amount(raw.get("estimated_value", ""), field="estimated_value")
    except limits.OutOfRange as refused:
        row.errors.append(f"estimated_value: {refused}")
    for column, limit in (("teaser", limits.TEASER_MAX), ("need", limits.NEED_MAX)):
        try:
            limits.check_text(raw.get(column, ""), limit, field=column)
        except limits.OutOfRange as refused:
            row.errors.append(f"{column}: {refused}")
    checklist = {
        "budget": _bool(row, "budget"),
        "authority": _bool(row, "authority"),
        "need": _bool(row, "need_confirmed"),
        "timing": _bool(row, "timing_confirmed"),
    }
    partner = None
    slug = raw.get("partner", "").strip()
    if slug:
        partner = partners.get(slug)
        if partner is None:
            row.errors.append(str(_l("partner: unknown partner “%(value)s”.", value=slug)))
        elif not partner.receives_offers:
            row.errors.append(str(_l("partner: “%(value)s” does not receive offers.", value=slug)))
        elif not all(checklist.values()):
            row.errors.append(
                str(
                    _l(
                        "partner: only a qualified lead (every checklist column "
                        "yes) can be offered."
                    )
                )
            )
        elif product and region:
            # Capacity is weighed over the whole file in read_csv (check_capacity).
            probe = Lead(prospect=Prospect(region=region), product_interest=product)
            for problem in workflow.policy_problems(probe, partner, check_capacity=False):
                row.errors.append(f"partner: {problem}")
    row.values = {
        "prospect": {
            **{k: raw.get(k, "").strip() for k in PROSPECT_REQUIRED},
            "contact_title": raw.get("contact_title", "").strip() or None,
            "industry": industry,
            "size_band": size_band,
            "region": region,
        },
        "lead": {
            "teaser": raw.get("teaser", ""),
            "need": raw.get("need", ""),
            "product_interest": product,
            "source": LeadSource(source) if source else LeadSource.PHONE,
            "timing": Timing(timing) if timing else Timing.UNKNOWN,
            "estimated_value": estimated,
        },
        "consent": consent,
        "consent_method": ConsentMethod(method) if method else None,
        "checklist": checklist,
        "partner": partner,
    }
    return row


def read_csv(text: str) -> list[RowResult]:
    """Parse and validate every row of a CSV text (header row first)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration as exc:
        raise ImportFileError(str(_l("The file is empty."))) from exc
    names = [HEADER_ALIASES.get(h.strip(), h.strip().lower()) for h in header]
    missing = [c for c in (*PROSPECT_REQUIRED, *LEAD_REQUIRED, "region") if c not in names]
    if missing:
        raise ImportFileError(str(_l("Missing columns: %(columns)s", columns=", ".join(missing))))
    partners = {
        o.slug: o
        for o in db.session.scalars(
            sa.select(Organisation).where(Organisation.kind == OrgKind.PARTNER)
        )
    }
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(str(_l("More than %(max)d rows.", max=MAX_ROWS)))
        row = RowResult(line=number, raw=dict(zip(names, cells, strict=False)))
        if len(cells) != len(names):
            row.errors.append(
                str(
                    _l(
                        "The row has %(found)d cells, the header %(expected)d.",
                        found=len(cells),
                        expected=len(names),
                    )
                )
            )
        rows.append(check_row(row, partners))
    check_capacity(rows)
    check_duplicates(rows)
    return rows


def check_duplicates(rows: list[RowResult]) -> None:
    """Warn about rows that look like an existing prospect or an earlier row (set-based).

    The same test as the "post a lead" form's duplicate warning
    (:func:`models.capture.find_duplicates`), in three queries for the whole file.
    """
    good = [r for r in rows if r.ok]
    found = find_duplicates_bulk(
        [
            (r.raw.get("company_name"), r.raw.get("contact_phone"), r.raw.get("contact_email"))
            for r in good
        ]
    )
    for row, reasons in zip(good, found, strict=True):
        if reasons:
            row.warnings.append(
                str(_l("Looks like an existing prospect: %(reasons)s", reasons=", ".join(reasons)))
            )


def check_capacity(rows: list[RowResult]) -> None:
    """Flag the rows that would push a partner past its capacity.

    A partner may take ``policy.max_open_leads`` minus the leads it already holds
    (:func:`models.workflow.open_lead_count`); the good rows are counted in file
    order, and the rows past that number become bad rows with the reason.
    """
    wanted = [r.values["partner"] for r in rows if r.ok and r.values.get("partner") is not None]
    if not wanted:
        return
    held = workflow.open_lead_counts(sorted({p.id for p in wanted}))
    taken: dict[int, int] = {}
    for row in rows:
        partner = row.values.get("partner")
        if not row.ok or partner is None or partner.policy is None:
            continue
        limit = partner.policy.max_open_leads
        earlier = taken.get(partner.id, 0)
        if held[partner.id] + earlier >= limit:
            row.errors.append(
                str(
                    _l(
                        "partner: “%(partner)s” would go past its capacity of %(limit)d open "
                        "leads (%(held)d held now, %(earlier)d earlier in this file).",
                        partner=partner.slug,
                        limit=limit,
                        held=held[partner.id],
                        earlier=earlier,
                    )
                )
            )
            continue
        taken[partner.id] = earlier + 1


#: Rows captured per batch: one multi-row INSERT per table and batch.
BATCH = 1000


def import_rows(
    rows: list[RowResult], actor: User, *, progress: Callable[[Iterable], Iterable] = iter
) -> ImportReport:
    """Import the good rows in one transaction; any failure rolls every row back.

    Rows are captured in batches (:func:`models.capture.insert_captures`: the same
    checks, rows and audit events as one lead posted by hand, written with
    multi-row INSERTs); a row naming a partner is then offered to it through the
    offer rule (policy, audit, outbox, counters).
    """
    report = ImportReport(rows=rows)
    good = report.good
    try:
        for start in progress(range(0, len(good), BATCH)):
            batch = good[start : start + BATCH]
            captured = insert_captures(
                actor,
                [
                    CaptureInput(
                        prospect=row.values["prospect"],
                        lead=row.values["lead"],
                        consent=row.values["consent"],
                        consent_method=row.values["consent_method"],
                        checklist=row.values["checklist"],
                    )
                    for row in batch
                ],
            )
            offered = [
                (lead_id, row.values["partner"])
                for row, (lead_id, _ref) in zip(batch, captured, strict=True)
                if row.values["partner"] is not None
            ]
            if offered:
                leads = {
                    lead.id: lead
                    for lead in db.session.scalars(
                        sa.select(Lead)
                        .where(Lead.id.in_([lead_id for lead_id, _p in offered]))
                        .options(joinedload(Lead.prospect))
                    )
                }
                for lead_id, partner in offered:
                    workflow.offer_lead(leads[lead_id], partner, actor)
            report.imported.extend(ref for _id, ref in captured)
        db.session.commit()
    except Exception:
        db.session.rollback()
        report.imported.clear()
        raise
    return report


# --------------------------------------------------------------------------- back office


class ImportView(StaffAccessMixin, BaseView):
    """Upload a CSV file, see every bad row and why, then import the good ones."""

    def _store(self) -> Path:
        """Where uploaded files wait between preview and import."""
        folder = Path(current_app.instance_path) / "imports"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _path(self, token: str) -> Path | None:
        """The waiting file of ``token`` for the current user (None if not theirs)."""
        if not token or not token.replace("-", "").replace("_", "").isalnum():
            return None
        path = self._store() / f"{current_user.id}-{token}.csv"
        return path if path.exists() else None

    # Both forms check their own token (exempt from the global check): an expired token
    # asks to send again, and a previewed file stays previewed.
    @expose("/", methods=("GET", "POST"))
    @csrf.exempt
    def index(self):
        """Upload and preview."""
        form = ImportUploadForm()
        rows, token, error = None, None, None
        if form.validate_on_submit():
            try:
                text = decode(form.file.data.read(MAX_BYTES + 1))
                rows = read_csv(text)
                token = secrets.token_urlsafe(16)
                (self._store() / f"{current_user.id}-{token}.csv").write_text(text, "utf-8")
            except ImportFileError as err:
                error = str(err)
        elif request.method == "POST":
            error = SEND_AGAIN if token_expired(form) else _("Choose a CSV file.")
        if error:
            flash(error, "error")
        return self._preview(form, rows, token), 422 if error else 200

    def _preview(self, form, rows, token):
        """The upload form, and the preview of ``rows`` waiting under ``token``."""
        return self.render(
            "staff/import.html",
            form=form,
            rows=rows,
            token=token,
            confirm=ConfirmForm(formdata=None),
            columns=COLUMNS,
        )

    @expose("/confirm", methods=("POST",))
    @csrf.exempt
    def confirm(self):
        """Import the good rows of a previewed file."""
        token = request.form.get("token", "")
        path = self._path(token)
        if path is None:
            flash(_("The upload has expired; upload the file again."), "error")
            return redirect(url_for(".index"))
        confirm = ConfirmForm()
        if not confirm.validate_on_submit():
            # The preview again, with a fresh token: nothing was imported yet.
            flash(SEND_AGAIN, "error")
            rows = read_csv(path.read_text("utf-8"))
            return self._preview(ImportUploadForm(formdata=None), rows, token), 422
        try:
            report = import_rows(
                read_csv(path.read_text("utf-8")), current_user._get_current_object()
            )
        except Exception:  # noqa: BLE001 - report, never half-import
            db.session.rollback()
            current_app.logger.exception("lead import failed")
            flash(
                _(
                    "Nothing was imported. Upload the file again; "
                    "if it fails again, tell an administrator."
                ),
                "error",
            )
            return redirect(url_for(".index"))
        finally:
            path.unlink(missing_ok=True)
        flash(
            _(
                "%(good)d leads imported; %(bad)d rows skipped.",
                good=len(report.imported),
                bad=len(report.bad),
            ),
            "success",
        )
        return redirect(url_for("staff_leads.index_view"))


# --------------------------------------------------------------------------- CLI

leads_cli = AppGroup("leads", help="Work with leads from the command line.")


def print_report(rows: list[RowResult]) -> None:
    """Print every bad row and its reasons."""
    for row in rows:
        if not row.ok:
            click.echo(f"line {row.line}: " + "; ".join(row.errors), err=True)
        elif row.warnings:
            click.echo(f"line {row.line} (imported): " + "; ".join(row.warnings), err=True)


@leads_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--owner",
    help="E-mail of the staff member who owns the leads (default: the first active administrator).",
)
@click.option("--dry-run", is_flag=True, help="Only report; import nothing.")
def import_command(file: Path, owner: str | None, dry_run: bool) -> None:
    """Import leads from a CSV FILE (UTF-8 or Shift_JIS), reporting every bad row."""
    from tqdm import tqdm

    query = sa.select(User).where(User.active.is_(True))
    if owner:
        query = query.where(
            User.email == owner.strip().lower(), User.role.in_([Role.ADMIN, Role.SALES])
        )
    else:
        query = query.where(User.role == Role.ADMIN).order_by(User.id)
    actor = db.session.scalars(query).first()
    if actor is None:
        raise click.ClickException("No such active staff user.")
    try:
        rows = read_csv(decode(file.read_bytes()))
    except ImportFileError as err:
        raise click.ClickException(str(err)) from err
    print_report(rows)
    good = sum(1 for r in rows if r.ok)
    if dry_run:
        click.echo(f"{good} good rows, {len(rows) - good} bad rows; nothing imported (dry run).")
        return
    try:
        report = import_rows(
            rows, actor, progress=lambda batches: tqdm(batches, desc="Importing", unit="batch")
        )
    except Exception as err:
        raise click.ClickException(f"Nothing was imported: {err}") from err
    click.echo(f"{len(report.imported)} leads imported; {len(report.bad)} rows skipped.")
