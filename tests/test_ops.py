"""Operations surface: health check, Prometheus metrics, the error envelope and its language,
unhandled exceptions (JSON 500 + a structured log line) and the OpenAPI document."""

from __future__ import annotations

import json
import logging
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from gongzhi import __version__
from gongzhi.i18n import translate
from gongzhi.logs import JsonFormatter

CJK = re.compile(r"[\u4e00-\u9fff]")
BOOM_PATH = "/api/v1/ops-test/boom/{n}"


def _requests_total(client: TestClient) -> dict[tuple[str, str, str], float]:
    """gongzhi_http_requests_total samples from /metrics, keyed by (method, route, status)."""
    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    out: dict[tuple[str, str, str], float] = {}
    for family in text_string_to_metric_families(r.text):
        for sample in family.samples:
            if sample.name == "gongzhi_http_requests_total":
                key = (sample.labels["method"], sample.labels["route"], sample.labels["status"])
                out[key] = sample.value
    return out


def _add_crashing_route(app: FastAPI) -> None:
    def boom(n: int) -> dict[str, int]:
        raise RuntimeError(f"deliberate failure {n}")

    app.add_api_route(BOOM_PATH, boom, methods=["GET"])


# ---------------------------------------------------------------- health and OpenAPI


def test_healthz_is_json_ok_with_version(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.json() == {"status": "ok", "version": __version__}


def test_openapi_is_served_and_lists_the_case_routes(client: TestClient) -> None:
    r = client.get("/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.")
    assert {"get", "post"} <= set(doc["paths"]["/api/v1/cases"])
    assert "/api/v1/cases/{case_id}/transitions" in doc["paths"]
    # Ops-only and browser routes stay out of the API document.
    assert "/metrics" not in doc["paths"]


# ---------------------------------------------------------------- metrics


def test_metrics_count_requests_by_route_template(client: TestClient) -> None:
    before = _requests_total(client)
    # No token: 401, but the route matched, so the label is its template, never the raw id.
    assert client.get("/api/v1/cases/987654").status_code == 401
    assert client.get("/api/v1/cases/987655").status_code == 401
    after = _requests_total(client)

    key = ("GET", "/api/v1/cases/{case_id}", "401")
    assert after[key] - before.get(key, 0.0) == 2
    assert not [k for k in after if "98765" in k[1]]


def test_metrics_do_not_grow_a_label_per_unknown_path(client: TestClient) -> None:
    before = _requests_total(client)
    assert client.get("/api/v1/no-such-route-5d1f").status_code == 404
    after = _requests_total(client)
    key = ("GET", "unmatched", "404")
    assert after[key] - before.get(key, 0.0) == 1
    assert not [k for k in after if "5d1f" in k[1]]


# ---------------------------------------------------------------- error envelope and language


def test_error_body_is_code_and_message_in_chinese_by_default(client: TestClient) -> None:
    r = client.get("/api/v1/cases")
    assert r.status_code == 401
    assert r.json() == {"error": {"code": "unauthorized", "message": translate("unauthorized", "zh")}}
    assert CJK.search(r.json()["error"]["message"])


@pytest.mark.parametrize(
    ("headers", "query"),
    [({"Accept-Language": "en"}, ""), ({"Accept-Language": "en-US,en;q=0.9"}, ""), ({}, "?lang=en")],
    ids=["accept-language", "accept-language-weighted", "query"],
)
def test_error_message_in_english_on_request(client: TestClient, headers: dict[str, str], query: str) -> None:
    r = client.get(f"/api/v1/cases{query}", headers=headers)
    assert r.status_code == 401
    message = r.json()["error"]["message"]
    assert r.json()["error"]["code"] == "unauthorized"
    assert message == translate("unauthorized", "en")
    assert not CJK.search(message)


def test_validation_error_uses_the_envelope_in_both_languages(client: TestClient) -> None:
    zh = client.get("/api/v1/areas/locate", params={"lat": "north", "lng": 120.2})
    en = client.get("/api/v1/areas/locate", params={"lat": "north", "lng": 120.2, "lang": "en"})
    assert zh.status_code == en.status_code == 422
    assert zh.json()["error"]["code"] == en.json()["error"]["code"] == "validation_error"
    assert CJK.search(zh.json()["error"]["message"]) and "lat" in zh.json()["error"]["message"]
    assert en.json()["error"]["message"].startswith("Invalid request") and "lat" in en.json()["error"]["message"]


# ---------------------------------------------------------------- unhandled exceptions


def test_unhandled_exception_is_a_json_500_in_the_callers_language(app: FastAPI, client: TestClient) -> None:
    _add_crashing_route(app)
    r = client.get("/api/v1/ops-test/boom/1")
    assert r.status_code == 500
    assert r.json() == {"error": {"code": "internal_error", "message": translate("internal_error", "zh")}}
    # No traceback or exception text leaks to the caller.
    assert "deliberate" not in r.text and "Traceback" not in r.text

    r = client.get("/api/v1/ops-test/boom/2", headers={"Accept-Language": "en"})
    assert r.json()["error"] == {"code": "internal_error", "message": translate("internal_error", "en")}


def test_unhandled_exception_is_logged_as_json_lines(
    app: FastAPI, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    _add_crashing_route(app)
    with caplog.at_level(logging.INFO, logger="gongzhi.http"):
        assert client.get("/api/v1/ops-test/boom/7").status_code == 500

    formatter = JsonFormatter()
    lines = [formatter.format(rec) for rec in caplog.records if rec.name == "gongzhi.http"]
    assert all("\n" not in line for line in lines)  # one record, one line, traceback included
    records = [json.loads(line) for line in lines]

    request_line = next(r for r in records if r["msg"] == "request")
    assert request_line["route"] == BOOM_PATH  # the template, not /boom/7
    assert request_line["status"] == 500
    assert request_line["method"] == "GET"
    assert request_line["level"] == "info" and isinstance(request_line["ms"], float | int)
    assert request_line["ts"].endswith("+00:00")

    crash_line = next(r for r in records if r["msg"] == "unhandled error")
    assert crash_line["level"] == "error"
    # The route's template, not the URL: a device token in /api/v1/{token}/telemetry stays out of logs.
    assert crash_line["path"] == BOOM_PATH
    assert "RuntimeError: deliberate failure 7" in crash_line["exc"]


def test_json_formatter_renders_extra_fields_and_chinese_unescaped() -> None:
    record = logging.LogRecord("gongzhi.http", logging.WARNING, __file__, 1, "请求 %s", ("完成",), None)
    record.route = "/api/v1/cases/{case_id}"
    record.status = 404
    line = JsonFormatter().format(record)
    assert "请求 完成" in line  # ensure_ascii=False: readable in the log viewer
    data = json.loads(line)
    assert data["msg"] == "请求 完成"
    assert data["route"] == "/api/v1/cases/{case_id}" and data["status"] == 404
    assert data["level"] == "warning" and data["logger"] == "gongzhi.http"
