"""Every audit action has a label in both languages (the log never shows a raw code)."""

from __future__ import annotations

import ast
from pathlib import Path

from flask_babel import force_locale

from models import Base
from models.audit import ACTION_LABELS, ENTITY_LABELS, action_label, entity_label
from models.offers import OfferState
from models.registrations import RegistrationStepKind

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("models", "leadshare", "admin", "portal", "api")

#: Actions built at run time, by the text before the placeholder: every value they can take.
DYNAMIC = {
    "offer.": [
        f"offer.{s.value}" for s in (OfferState.DECLINED, OfferState.EXPIRED, OfferState.WITHDRAWN)
    ],
    "registration.": [
        f"registration.{k.value}"
        for k in (RegistrationStepKind.EXTENSION_GRANTED, RegistrationStepKind.EXTENSION_REFUSED)
    ],
}


def _name(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _codes(node: ast.expr, where: str) -> list[str]:
    """The action codes an argument can be."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _codes(node.body, where) + _codes(node.orelse, where)
    if isinstance(node, ast.JoinedStr) and isinstance(node.values[0], ast.Constant):
        prefix = node.values[0].value
        assert prefix in DYNAMIC, f"{where}: add the values of {ast.unparse(node)} to DYNAMIC"
        return DYNAMIC[prefix]
    raise AssertionError(f"{where}: cannot read the action {ast.unparse(node)}")


def recorded_actions() -> dict[str, str]:
    """Every action the code records, with where: ``record_event`` and its wrappers."""
    found: dict[str, str] = {}
    files = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")]
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # Wrappers: functions that pass their own ``action`` parameter on to record_event.
        wrappers: dict[str, int] = {}
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef) or fn.name == "record_event":
                continue
            params = [a.arg for a in fn.args.args]
            if "action" not in params:
                continue
            for call in ast.walk(fn):
                if (
                    isinstance(call, ast.Call)
                    and _name(call) == "record_event"
                    and any(isinstance(a, ast.Name) and a.id == "action" for a in call.args)
                ):
                    wrappers[fn.name] = params.index("action")
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            name = _name(call)
            where = f"{path.relative_to(ROOT)}:{call.lineno}"
            if name in ("record_event", "record_events"):
                node = call.args[2] if len(call.args) > 2 else None
                node = node or next((k.value for k in call.keywords if k.arg == "action"), None)
                if isinstance(node, ast.Name) and node.id == "action":
                    continue  # inside a wrapper: its callers are read instead
            elif name in wrappers and len(call.args) > wrappers[name]:
                node = call.args[wrappers[name]]
            else:
                continue
            assert node is not None, where
            for code in _codes(node, where):
                found.setdefault(code, where)
    # Migrations that write audit events themselves name the action as a keyword.
    for path in (ROOT / "migrations" / "versions").glob("*.py"):
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for keyword in getattr(call, "keywords", []) if isinstance(call, ast.Call) else []:
                if keyword.arg == "action":
                    where = f"{path.relative_to(ROOT)}:{call.lineno}"
                    for code in _codes(keyword.value, where):
                        found.setdefault(code, where)
    return found


def test_the_scan_finds_the_actions_it_must():
    actions = recorded_actions()
    # Direct calls, conditional names, run-time names and wrappers are all read.
    for code in (
        "prospect.personal_data_viewed",
        "partner.created",
        "offer.withdrawn",
        "registration.extension_refused",
        "auth.two_factor_reset",
        "user.invited",
        "user.email_clash_resolved",
    ):
        assert code in actions, code
    assert len(actions) >= 70


def test_every_recorded_action_has_a_label():
    missing = {
        code: where for code, where in recorded_actions().items() if code not in ACTION_LABELS
    }
    assert not missing, f"audit actions without a label in models.audit.ACTION_LABELS: {missing}"


def test_labels_are_translated(app):
    with app.test_request_context():
        for locale in ("ja", "en"):
            with force_locale(locale):
                labels = {code: action_label(code) for code in ACTION_LABELS}
            assert all(label and label != code for code, label in labels.items()), locale
        with force_locale("ja"):
            assert action_label("prospect.personal_data_viewed") != "Personal data viewed"
            untranslated = [c for c in ACTION_LABELS if action_label(c).isascii()]
            assert not untranslated, untranslated
        assert action_label("some.unknown_code") == "some.unknown_code"


def test_every_kind_of_record_has_a_label(app):
    classes = {mapper.class_.__name__ for mapper in Base.registry.mappers}
    assert classes - set(ENTITY_LABELS) == set()
    with app.test_request_context(), force_locale("ja"):
        untranslated = [name for name in ENTITY_LABELS if entity_label(name).isascii()]
        assert untranslated == ["WebhookEndpoint"], untranslated  # "Webhook" in both
