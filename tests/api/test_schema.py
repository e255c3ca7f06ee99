"""The OpenAPI document against the running app (schemathesis): no 500, every answer as described.

Bounded so it stays fast in CI: a few derandomised examples per operation and
generation mode, with lead references mostly pointing at real leads so the
rules, not only the gate, are exercised.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from leadshare.extensions import db

#: Examples per operation; API_SCHEMA_EXAMPLES=50 for a deeper run on a quiet machine.
EXAMPLES = int(os.environ.get("API_SCHEMA_EXAMPLES", "5"))
# Not checked: "schema-valid input is accepted". The rules refuse some well-formed input
# with 422 on purpose (a note required for reason "other", delivery before order, an
# opaque cursor that is not one of ours), which no JSON Schema can express.


@pytest.fixture
def refs(offer_for):
    """A new, a detailed and an accepted lead of alpha's."""
    return [
        offer_for("alpha").lead.ref,
        offer_for("alpha", details=True).lead.ref,
        offer_for("alpha", accept=True, rep=True).lead.ref,
    ]


def _token_for(case, tokens) -> str:
    """Staff for the staff endpoints, alpha's manager for the rest."""
    staff = case.method.upper() == "POST" and (
        case.operation.path == "/api/v1/leads" or case.operation.path.endswith("/offers")
    )
    return tokens["sales" if staff else "alpha_manager"]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_matches_its_description(app, tokens, refs, mode):
    """Each operation answers without a server error, with a documented status and body."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    unsatisfiable = []

    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES if mode is GenerationMode.POSITIVE else max(EXAMPLES // 2, 1),
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            positive = mode is GenerationMode.POSITIVE
            if positive and case.path_parameters and "ref" in case.path_parameters:
                seed = sum(map(ord, str(case.path_parameters["ref"])))
                if seed % 4:
                    case.path_parameters["ref"] = refs[seed % len(refs)]
            case.call_and_validate(
                headers={
                    "Authorization": f"Bearer {_token_for(case, tokens)}",
                    # The WSGI transport does not decode compressed answers.
                    "Accept-Encoding": "identity",
                },
                excluded_checks=[positive_data_acceptance],
            )
            db.session.rollback()

        try:
            check()
        except Unsatisfiable:
            # An operation without parameters or body has no invalid request to build.
            assert mode is GenerationMode.NEGATIVE, operation.label
            unsatisfiable.append(operation.label)
    assert len(unsatisfiable) <= 4, unsatisfiable
