"""The staff back office: Flask-Admin at ``/admin/``, built fresh for every app."""

from __future__ import annotations

from flask import Blueprint, Flask, redirect, url_for
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from admin.security import StaffAccessMixin
from leadshare.security import csp_nonce


class StaffIndexView(StaffAccessMixin, AdminIndexView):
    """The back office's home page, closed to everybody but vendor staff."""

    #: Assistants land here after login and are sent on to the card intake queue.
    open_to_assistants = True

    @expose("/")
    def index(self):
        """What waits on staff (each figure links to its list), open leads by stage,
        and the morning report of yesterday."""
        if current_user.is_assistant:
            return redirect(url_for("staff_cards.index"))
        from admin.pipeline import OPEN_STAGES
        from admin.queues import work_queues
        from admin.reports import current_figures, day_report
        from admin.views.records import FAILED_FILTER
        from models.base import db
        from models.outbox import failed_count

        figures = current_figures()
        funnel = figures.payload["funnel"]
        return self.render(
            "staff/index.html",
            queues=work_queues(figures.payload.get("queues")),
            stages=[(stage, funnel.get(stage.value, 0)) for stage in OPEN_STAGES],
            failed_mail=failed_count(db.session) if current_user.is_admin else 0,
            failed_filter=FAILED_FILTER,
            y=day_report(figures),
            as_of=figures.as_of,
            live=figures.live,
        )


def init_admin(app: Flask) -> Admin:
    """Create the back office for ``app`` with every staff view."""
    # Our templates (staff/…) and static files, found beside Flask-Admin's own.
    app.register_blueprint(
        Blueprint(
            "staff",
            __name__,
            template_folder="templates",
            static_folder="static",
            static_url_path="/admin-static",
        )
    )
    admin = Admin(
        app,
        name="LeadShare",
        url="/admin",
        index_view=StaffIndexView(name=_l("Home"), url="/admin", endpoint="admin"),
        theme=Bootstrap4Theme(base_template="staff/base.html", fluid=True),
        csp_nonce_generator=csp_nonce,
    )
    from admin.views import register_views

    register_views(admin)
    return admin
