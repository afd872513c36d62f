"""Fuzzing the API from its own OpenAPI document (schemathesis), over real HTTP, as an admin on a
seeded SQLite centre: no request may get a 5xx, an undocumented status, or a body that does not
match the documented schema. Bounded to a few dozen examples per operation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from apikit import ApiServer, history_csv, ok, seed_centre, start_uvicorn
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from wfm.db import migrate
from wfm.db.session import make_engine

EXAMPLES = 15


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    from api.app import create_app
    from api.settings import ApiSettings

    url = f"sqlite:///{Path(tmp_path_factory.mktemp('fuzz')) / 'fuzz.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    app = create_app(ApiSettings(database_url=url, api_kpi_cache_seconds=0))
    base, server, thread = start_uvicorn(app)
    box = ApiServer(url=base, database_url=url, engine=engine)
    box.tokens["admin"] = box.add_token("admin")
    with box.client("admin") as admin:
        seed_centre(admin)
        ok(
            admin.post(
                "/v1/history/import", content=history_csv(2), headers={"Content-Type": "text/csv"}
            )
        )
    try:
        yield box
    finally:
        server.should_exit = True  # type: ignore[attr-defined]
        thread.join(timeout=10)
        app.state.engine.dispose()
        engine.dispose()


def _schema() -> Any:
    from api.app import create_app
    from api.settings import ApiSettings

    # the document does not depend on the data: build it from an app on an in-memory database
    return schemathesis.openapi.from_dict(
        create_app(ApiSettings(database_url="sqlite://")).openapi()
    )


schema = _schema()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_5xx_and_responses_match_the_schema(case: Any, fuzz_server: ApiServer) -> None:
    response = case.call_and_validate(
        base_url=fuzz_server.url,
        headers={"Authorization": f"Bearer {fuzz_server.tokens['admin']}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
    # the same facts the checks verify, stated here too: never a server error, only documented
    # codes, and 405 only for the probes schemathesis sends with a method the path doesn't have
    assert response.status_code < 500, response.text
    if response.status_code == 405:
        assert case.method.upper() != case.operation.method.upper()
    else:
        documented = set(case.operation.definition.raw["responses"])
        assert str(response.status_code) in documented or "default" in documented, (
            response.status_code,
            sorted(documented),
        )
