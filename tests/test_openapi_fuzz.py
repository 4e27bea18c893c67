"""Fuzz the whole OpenAPI with schemathesis: no request, however malformed, may get a 5xx.

Every operation in /openapi.json gets its schema examples, schemathesis' coverage cases
(boundaries, missing and wrong-typed fields) and ~25 generated ones, valid and invalid,
sent as an admin with a bearer token. The one check is `not_a_server_error`: 4xx for bad
input is the documented behaviour; a 500 (or an exception escaping the app) fails.
Generated values are partly steered towards real references (categories, grids, units,
case ids; see the hooks below) so the fuzz reaches the rules, not only validation.

The app runs over its own database (a temporary SQLite file; a fresh PostgreSQL database
when reachable, required under CI=true), migrated, seeded and committed — fuzzed requests
commit too, so the rolled-back `client` fixture does not fit. Generation is derandomized
with a fixed seed so CI sees the same cases every run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.schemas import OpenApiSchema
from tests import factories
from tests.conftest import _postgres_database

from gongzhi.app import create_app
from gongzhi.auth.models import ROLES, User
from gongzhi.cases import service as cases
from gongzhi.cases.schemas import CaseIn
from gongzhi.cases.seed import CATEGORY_DEFAULTS, seed_reference_data
from gongzhi.clock import FrozenClock
from gongzhi.config import Settings
from gongzhi.db import Database, make_engine, upgrade_schema

T0 = factories.T0
SEED = 20261123


@dataclass
class FuzzWorld:
    database: Database
    app: FastAPI
    settings: Settings
    admin_id: int
    admin_token: str

    def fresh_admin_token(self) -> str:
        """A token of its own, for calls that may revoke the one they present (logout)."""
        with self.database.session() as s:
            admin = s.get_one(User, self.admin_id)
            return factories.api_token(s, admin, T0, settings=self.settings)


def _populate(database: Database, settings: Settings) -> tuple[int, str]:
    """Reference data, the D1 area tree, units, people in several roles and a few cases; committed."""
    with database.session() as s:
        seed_reference_data(s)
        points = factories.make_area_tree(s, T0)
        factories.make_unit(s, "U-MUNI", "municipal", "S1", now=T0)
        factories.make_unit(s, "U-SAN", "sanitation", "C1", now=T0)
        mk = factories.make_user
        admin = mk(s, "admin1", "admin", area_code="D1", now=T0)
        resident = mk(s, "resident1", "resident", area_code="G1", now=T0, phone="13812345678")
        mk(s, "worker_g1", "grid_worker", area_code="G1", now=T0)
        mk(s, "official_s1", "official", area_code="S1", now=T0)
        mk(s, "muni1", "dept_staff", area_code="S1", unit_code="U-MUNI", now=T0)
        # Cases 1..6 exist, so generated small ids reach the state machine, not only 404s.
        for i, (grid, category) in enumerate(
            [("G1", "road_damage"), ("G2", "streetlight"), ("G3", "garbage")] * 2
        ):
            lat, lng = points[grid]
            data = CaseIn(category=category, description=f"测试工单 {i}", lat=lat, lng=lng)
            cases.create_case(s, actor=resident, data=data, now=T0)
        token = factories.api_token(s, admin, T0, settings=settings)
        return admin.id, token


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzz_world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzWorld]:
    def build(url: str) -> Iterator[FuzzWorld]:
        upgrade_schema(url)
        database = Database(make_engine(url))
        app_settings = Settings(database_url=url, log_json=False, embedded_worker=False)
        try:
            admin_id, token = _populate(database, app_settings)
            app = create_app(settings=app_settings, database=database, clock=FrozenClock(T0),
                             start_worker=False)
            yield FuzzWorld(database, app, app_settings, admin_id, token)
        finally:
            database.engine.dispose()

    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("fuzz") / "gongzhi.db"
        yield from build(f"sqlite:///{path}")
    else:
        with _postgres_database() as url:
            yield from build(url)


def _load_schema() -> OpenApiSchema:
    # The OpenAPI document does not depend on the database, so it is read at collection time
    # from an app whose engine never connects; each case is then sent to the fixture's app.
    # (schemathesis.pytest.from_fixture would avoid this, but it sets `node._nodeid`, which
    # pytest 9.2 no longer has.)
    app = create_app(settings=Settings(database_url="sqlite:///never-opened.db", embedded_worker=False),
                     start_worker=False)
    config = schemathesis.Config.from_dict({"seed": SEED})
    return schemathesis.openapi.from_dict(app.openapi(), config=config)


schema = _load_schema()

# Steering. Purely random strings almost never name a real category, area, unit or case, so
# on their own they only exercise validation. Each hook below keeps the generated value a third
# of the time and otherwise swaps in real references, so intake, routing, dispatch and the
# state machine run on fuzzed input too.
CATEGORY_CODES = [c[0] for c in CATEGORY_DEFAULTS]
AREA_CODES = [a[0] for a in factories.AREA_TREE]
UNIT_CODES = ["U-MUNI", "U-SAN"]
x0, y0, x1, y1 = factories.STREET_BOX
# Around the street with a margin, so points fall inside grids, in the gaps and outside.
_lat = st.floats(y0 - 0.002, y1 + 0.002)
_lng = st.floats(x0 - 0.002, x1 + 0.002)
_in_grid = st.sampled_from(list(factories.GRID_BOXES.values())).flatmap(
    lambda b: st.fixed_dictionaries({"lat": st.floats(b[1], b[3]), "lng": st.floats(b[0], b[2]),
                                     "grid_code": st.none()})
)
_known_id = st.integers(1, 10)
_location = st.one_of(
    _in_grid,
    st.fixed_dictionaries({"lat": _lat, "lng": _lng, "grid_code": st.none()}),
    st.fixed_dictionaries({"grid_code": st.sampled_from(AREA_CODES), "lat": st.none(), "lng": st.none()}),
)
_BODY_STEERS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    # Random `attributes` never name a category's questions: drop them when steering.
    "POST /api/v1/cases": st.builds(
        lambda category, place: {"category": category, "attributes": {}, **place},
        st.sampled_from(CATEGORY_CODES), _location,
    ),
    "POST /api/v1/users": st.fixed_dictionaries({
        "username": st.from_regex(r"\Afz[a-z0-9]{3,10}\Z"),
        "role": st.sampled_from(ROLES),
        "password": st.just("password123"),
        "area_code": st.sampled_from(AREA_CODES),
    }, optional={"unit_code": st.sampled_from(UNIT_CODES)}),
    "POST /api/v1/cases/{case_id}/transitions": st.fixed_dictionaries({}, optional={
        "unit_code": st.sampled_from(UNIT_CODES),
        "assignee_id": _known_id,
        "duplicate_of": _known_id,
        "rating": st.integers(1, 5),
    }),
    "POST /api/v1/cases/{case_id}/units": st.fixed_dictionaries({"unit_code": st.sampled_from(UNIT_CODES)}),
}
_PATH_STEERS: dict[str, st.SearchStrategy[Any]] = {
    "case_id": _known_id,
    "user_id": _known_id,
    "code": st.sampled_from(AREA_CODES),
    "priority": st.sampled_from(["P1", "P2", "P3", "P4"]),
    "year": st.integers(2025, 2027),
    "day": st.dates().map(str),
}
# `{code}` names a category under /categories, an area elsewhere.
_CATEGORY_PATH_STEERS = _PATH_STEERS | {"code": st.sampled_from(CATEGORY_CODES)}
_QUERY_STEERS: dict[str, st.SearchStrategy[Any]] = {
    "parent": st.sampled_from(AREA_CODES),
    "under": st.sampled_from(AREA_CODES),
    "lat": _lat,
    "lng": _lng,
}


def _steered(value: dict[str, Any], steer: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[Any]:
    """The generated value one time in three, else with real references swapped in."""
    changed = steer.map(lambda changes: {**value, **changes})
    # Swapping first: Hypothesis leans towards the first choice.
    return st.sampled_from((True, True, False)).flatmap(lambda swap: changed if swap else st.just(value))


def _swap_known(value: Any, steers: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    if not isinstance(value, dict):
        return st.just(value)
    keys = [k for k in value if k in steers]
    if not keys:
        return st.just(value)
    return _steered(value, st.fixed_dictionaries({k: steers[k] for k in keys}))


@schema.hook("flatmap_body")
def _steer_body(context: schemathesis.HookContext, body: Any) -> st.SearchStrategy[Any]:
    steer = _BODY_STEERS.get(context.operation.label if context.operation else "")
    if steer is None or not isinstance(body, dict):
        return st.just(body)
    return _steered(body, steer)


@schema.hook("flatmap_path_parameters")
def _steer_path(context: schemathesis.HookContext, path_parameters: Any) -> st.SearchStrategy[Any]:
    on_categories = context.operation is not None and context.operation.path.startswith("/api/v1/categories")
    return _swap_known(path_parameters, _CATEGORY_PATH_STEERS if on_categories else _PATH_STEERS)


@schema.hook("flatmap_query")
def _steer_query(context: schemathesis.HookContext, query: Any) -> st.SearchStrategy[Any]:
    return _swap_known(query, _QUERY_STEERS)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    # Explain re-runs failing examples many times; shrinking is enough to read a failure.
    phases=[Phase.explicit, Phase.generate, Phase.target, Phase.shrink],
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case: schemathesis.Case[Any], fuzz_world: FuzzWorld) -> None:
    token = fuzz_world.admin_token
    if case.method.upper() == "POST" and case.path == "/api/v1/auth/logout":
        token = fuzz_world.fresh_admin_token()
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error],
                           app=fuzz_world.app)


def test_schema_covers_the_api() -> None:
    """The fuzz run reaches the routes that matter (a route left out of the schema escapes it)."""
    paths = set(schema.raw_schema["paths"])
    assert {"/api/v1/cases", "/api/v1/cases/{case_id}/transitions", "/api/v1/auth/token"} <= paths
