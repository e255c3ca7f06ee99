"""The doors only parse, call one rule, commit and render: they never write rows themselves.

An AST scan of ``portal/``, ``admin/`` and ``api/``: a call to ``record_event``,
``queue_message`` or ``<session>.add`` / ``add_all`` there is a rule written in a
door. Such writes belong in a function of ``models/`` that both doors call.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOORS = ("portal", "admin", "api")
#: Functions that write the audit log or the outbox: only rules in models/ call them.
RULE_WRITERS = {"record_event", "record_events", "queue_message"}
#: Door writes allowed while one is being moved into a rule, as the most calls of each
#: kind a module may hold. Empty: every door write has moved into models/.
PENDING: dict[str, dict[str, int]] = {}


def _is_session(node: ast.expr) -> bool:
    """``session``, ``db.session``, ``self.session`` or ``db.session()``."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Name):
        return node.id == "session"
    return isinstance(node, ast.Attribute) and node.attr == "session"


def door_writes(source: str) -> list[tuple[int, str]]:
    """Line and text of each call in ``source`` that writes rows or events itself."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name in RULE_WRITERS or (
            isinstance(func, ast.Attribute)
            and func.attr in ("add", "add_all")
            and _is_session(func.value)
        ):
            found.append((node.lineno, ast.unparse(func)))
    return found


def _door_files() -> list[Path]:
    """Every Python module of the doors."""
    return sorted(p for door in DOORS for p in (ROOT / door).rglob("*.py"))


def test_the_scan_finds_what_it_looks_for():
    """The scan recognises each forbidden form (so an empty result means something)."""
    source = (
        "record_event(db.session, user, 'x', lead)\n"
        "models.outbox.queue_message(db.session, 'k', user, {})\n"
        "db.session.add(row)\n"
        "self.session.add_all([a, b])\n"
        "session.add(row)\n"
        "db.session().add(row)\n"
        "form.errors.add(x)\n"
        "tags.add('x')\n"
    )
    assert [line for line, _ in door_writes(source)] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("path", _door_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_doors_leave_writes_to_the_rules(path):
    """No door module writes audit events, outbox messages or rows itself."""
    name = path.relative_to(ROOT).as_posix()
    writes = door_writes(path.read_text(encoding="utf-8"))
    allowed = PENDING.get(name, {})
    kinds: dict[str, list[int]] = {}
    for line, call in writes:
        kinds.setdefault(call.rsplit(".", 1)[-1], []).append(line)
    extra = {kind: lines for kind, lines in kinds.items() if len(lines) > allowed.get(kind, 0)}
    assert extra == {}, f"move these writes of {name} into a rule in models/: {extra}"
