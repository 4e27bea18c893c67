"""POST /api/v1/mediation/triage and corrections: who may call, what comes back, bad input."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.factories import api_token, auth_header, build_area_tree, login_cookie, make_user

from gongzhi.audit.models import AuditEntry
from gongzhi.mediation import triage
from gongzhi.mediation.triage_models import TriageCorrection

URL = "/api/v1/mediation/triage"


@pytest.fixture(autouse=True)
def _corpus_model() -> Iterator[None]:
    triage.install_model(triage.corpus_model())
    yield
    triage.install_model(triage.corpus_model())


@pytest.fixture
def tokens(session: Session) -> dict[str, str]:
    build_area_tree(session)
    out = {}
    for name, role, area in [
        ("mediator1", "mediator", "S1"),
        ("gridworker1", "grid_worker", "G1"),
        ("resident1", "resident", "G1"),
        ("official1", "official", "S1"),
    ]:
        out[role] = api_token(session, make_user(session, name, role, area))
    session.flush()
    return out


@pytest.mark.parametrize("role", ["mediator", "grid_worker", "official"])
def test_staff_get_type_tier_confidence_reasons(client: TestClient, tokens: dict[str, str], role: str) -> None:
    r = client.post(URL, json={"text": "包工头欠了我们三十多个人的工钱 大家说要去市里上访"}, headers=auth_header(tokens[role]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["type"] == "labor"
    assert body["risk"] == "high"
    assert body["type_name"] == "劳动争议/欠薪" and body["risk_name"] == "高风险"
    assert 0 < body["confidence"] <= 1
    assert any("集体上访" in x for x in body["reasons"])
    assert set(body["type_scores"]) == set(triage.TYPES)


def test_structured_facts_in_the_body_count(client: TestClient, tokens: dict[str, str]) -> None:
    text = "隔壁的狗天天叫 跟他说了两句"
    h = auth_header(tokens["mediator"])
    assert client.post(URL, json={"text": text}, headers=h).json()["risk"] == "low"
    assert client.post(URL, json={"text": text, "repeats": 2}, headers=h).json()["risk"] == "medium"
    assert client.post(URL, json={"text": text, "people": 15}, headers=h).json()["risk"] == "high"
    r = client.post(URL, json={"text": text, "amount": "12000"}, headers=h).json()
    assert r["risk"] == "medium" and any("12,000" in x for x in r["reasons"])


def test_residents_are_refused(client: TestClient, tokens: dict[str, str]) -> None:
    r = client.post(URL, json={"text": "邻居吵架"}, headers=auth_header(tokens["resident"]))
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"


def test_anonymous_is_refused(client: TestClient) -> None:
    assert client.post(URL, json={"text": "邻居吵架"}).status_code == 401


def test_browser_session_needs_csrf(client: TestClient, session: Session, tokens: dict[str, str]) -> None:
    from gongzhi.auth.models import User

    med = session.scalars(select(User).where(User.username == "mediator1")).one()
    csrf = login_cookie(client, session, med)
    assert client.post(URL, json={"text": "邻居吵架"}).status_code == 403
    assert client.post(URL, json={"text": "邻居吵架"}, headers={"X-CSRF-Token": csrf}).status_code == 200


@pytest.mark.parametrize(
    ("body", "code", "zh"),
    [
        ({"text": ""}, "triage_text_empty", "请填写纠纷描述"),
        ({"text": "   \n  "}, "triage_text_empty", "请填写纠纷描述"),
        ({"text": "吵" * (triage.MAX_TEXT + 1)}, "triage_text_too_long", "最多 5000 字"),
        ({"text": "邻居吵架", "people": -1}, "triage_bad_number", "people 不能为负数"),
        ({"text": "邻居吵架", "amount": "-5"}, "triage_bad_number", "amount 不能为负数"),
        ({}, "validation_error", "请求参数有误"),
        ({"text": 123}, "validation_error", "请求参数有误"),
    ],
)
def test_bad_input_is_a_clear_422(
    client: TestClient, tokens: dict[str, str], body: dict[str, object], code: str, zh: str
) -> None:
    r = client.post(URL, json=body, headers=auth_header(tokens["mediator"]))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == code
    assert zh in r.json()["error"]["message"]


def test_error_in_english_when_asked(client: TestClient, tokens: dict[str, str]) -> None:
    h = {**auth_header(tokens["mediator"]), "Accept-Language": "en"}
    r = client.post(URL, json={"text": ""}, headers=h)
    assert r.status_code == 422
    assert r.json()["error"]["message"] == "Please describe the dispute"


def test_mediator_records_a_correction(client: TestClient, session: Session, tokens: dict[str, str]) -> None:
    text = "两家为了祖坟边上的几棵树吵起来了"
    r = client.post(
        URL + "/corrections", json={"text": text, "type": "land_housing", "risk": "medium"},
        headers=auth_header(tokens["mediator"]),
    )
    assert r.status_code == 201, r.text
    body = r.json()
    row = session.get(TriageCorrection, body["id"])
    assert row is not None and row.text == text and row.type == "land_housing" and row.risk == "medium"
    assert row.predicted_type == body["predicted_type"] == triage.triage(text).type
    entry = session.scalars(select(AuditEntry).where(AuditEntry.kind == "triage.corrected")).one()
    assert entry.data["correction_id"] == row.id and entry.data["type"] == "land_housing"


def test_grid_worker_may_not_correct(client: TestClient, tokens: dict[str, str]) -> None:
    r = client.post(
        URL + "/corrections", json={"text": "吵架", "type": "neighbor", "risk": "low"}, headers=auth_header(tokens["grid_worker"])
    )
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"text": "吵架", "type": "gossip", "risk": "low"}, 422, "validation_error"),
        ({"text": "吵架", "type": "neighbor", "risk": "extreme"}, 422, "validation_error"),
        ({"text": " ", "type": "neighbor", "risk": "low"}, 422, "triage_text_empty"),
        ({"text": "吵架", "type": "neighbor", "risk": "low", "dispute_case_id": 987654}, 404, "not_found"),
    ],
)
def test_bad_corrections_are_refused_and_nothing_is_stored(
    client: TestClient, session: Session, tokens: dict[str, str], body: dict[str, object], status: int, code: str
) -> None:
    r = client.post(URL + "/corrections", json=body, headers=auth_header(tokens["mediator"]))
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code
    assert session.scalar(select(TriageCorrection.id).limit(1)) is None


def test_model_info(client: TestClient, tokens: dict[str, str]) -> None:
    r = client.get(URL + "/model", headers=auth_header(tokens["mediator"]))
    assert r.status_code == 200
    assert r.json()["version"] == 0
