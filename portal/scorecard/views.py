"""The scorecard page: the same figures staff see for this partner (models.scorecards)."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from models.organisations import response_sla_hours, update_sla_days
from models.scorecards import SCORECARD_WINDOW_DAYS, scorecards
from models.workflow import open_lead_count
from portal import manager_required
from portal.scorecard import bp


@bp.get("/scorecard")
@manager_required
def index():
    """Show the manager's own organisation's scorecard, and how it affects new offers."""
    organisation = current_user.organisation
    card = scorecards([organisation.id])[organisation.id]
    policy = organisation.policy
    return render_template(
        "scorecard/index.html",
        card=card,
        organisation=organisation,
        open_leads=open_lead_count(organisation.id),
        max_open_leads=policy.max_open_leads if policy else None,
        response_sla_hours=response_sla_hours(policy),
        update_sla_days=update_sla_days(policy),
        window_days=SCORECARD_WINDOW_DAYS,
    )
