"""schemathesis against the served OpenAPI schema: no 5xx for any input, every response as documented, and
every error a problem+json with a documented code.

The example count is kept small so that the whole file runs in well under a minute on CI's two cores.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from intermodal.services.api import Settings, create_app
from intermodal.services.api.problems import CODES

# the schema is loaded at collection time, before any fixture: a temporary folder of its own, removed at exit
_home = Path(tempfile.mkdtemp(prefix="intermodal-schemathesis-"))
atexit.register(shutil.rmtree, _home, True)
app = create_app(
    Settings(
        tokens_file=_home / "tokens.json",
        bundles_dir=_home / "bundles",
        ledger_url=f"sqlite:///{_home / 'ledger.sqlite3'}",
    )
)
schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
# a body past the size limit is rejected before it is read, with 413 (body_too_large): for schema-violating
# data that is as right an answer as a 422, and schemathesis's default list of rejections lacks it
_rejections = schema.config.checks.negative_data_rejection
_rejections.expected_statuses = [*_rejections.expected_statuses, "413"]
# a bundle upload is a zip; random bytes exercise the "not a zip" and "no token" answers
schemathesis.serializer.alias("application/zip", "application/octet-stream")
# and an order book upload is Parquet (or CSV); random bytes exercise "not a Parquet file"
schemathesis.serializer.alias("application/vnd.apache.parquet", "application/octet-stream")


def error_is_a_problem_with_a_documented_code(ctx: object, response: Any, case: schemathesis.Case) -> None:
    """Every 4xx and 5xx is problem+json with a code of CODES (docs/api.md) that agrees with the status."""
    if response.status_code < 400:
        return
    media = response.headers.get("content-type") or response.headers.get("Content-Type")
    media = media[0] if isinstance(media, list) else media
    assert media == "application/problem+json", (response.status_code, media)
    code = response.json().get("code")
    assert CODES.get(code) == response.status_code, (response.status_code, code)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    # positive_data_acceptance is left out: a schema-valid query can still name an unknown place, and the
    # right answer to it is a 422 problem, not a route
    case.call_and_validate(
        excluded_checks=[positive_data_acceptance],
        additional_checks=[error_is_a_problem_with_a_documented_code],
    )
