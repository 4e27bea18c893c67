"""Open311 GeoReport v2 through HTTP, in JSON and XML, as a client app would use it."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from gongzhi.cases import service as cases
from gongzhi.cases.models import Case, CaseMedia, Category
from gongzhi.clock import SHANGHAI
from gongzhi.open311 import service
from gongzhi.open311.models import Open311Request

from .conftest import BASE, World311


def xml(body: bytes) -> ET.Element:
    assert body.startswith(b"<?xml")
    return ET.fromstring(body)


def one(w: World311, fmt: str = "json", **fields: Any) -> str:
    r = w.post(fmt, **fields)
    assert r.status_code == 200, r.text
    if fmt == "xml":
        return xml(r.content).findtext("request/service_request_id") or ""
    return str(r.json()[0]["service_request_id"])


def case_of(w: World311, request_id: str) -> Case:
    case_id = service.case_id_of(request_id)
    assert case_id is not None
    return w.session.get_one(Case, case_id)


def jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


# ---------------------------------------------------------------- discovery and services


def test_discovery_in_both_formats(w: World311) -> None:
    r = w.client.get(f"{BASE}/discovery.json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    d = r.json()
    assert d["jurisdiction_id"] == "S1"
    (endpoint,) = d["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert endpoint["formats"] == ["text/xml", "application/json"]

    root = xml(w.client.get(f"{BASE}/discovery.xml").content)
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]
    # No suffix means JSON.
    assert w.client.get(f"{BASE}/discovery").json()["endpoints"][0]["type"] == "production"


def test_services_list_public_categories_with_metadata(w: World311) -> None:
    w.session.add(
        Category(
            code="o311_internal",
            name_zh="内部类别",
            name_en="Internal",
            unit_kind="health",
            default_priority="P1",
            attributes=[],
            public=False,
        )
    )
    w.session.flush()
    items = w.client.get(f"{BASE}/services.json").json()
    by_code = {s["service_code"]: s for s in items}
    assert "streetlight" in by_code and "o311_internal" not in by_code
    assert by_code["elevator"]["metadata"] is True and by_code["road_damage"]["metadata"] is False
    assert by_code["road_damage"]["service_name"] == "道路破损"
    assert by_code["road_damage"]["type"] == "realtime"
    assert by_code["road_damage"]["group"] == "市政设施"
    assert "道路破损" in by_code["road_damage"]["keywords"]

    root = xml(w.client.get(f"{BASE}/services.xml").content)
    assert root.tag == "services"
    svc = {s.findtext("service_code"): s for s in root.findall("service")}
    assert svc["elevator"].findtext("metadata") == "true"
    assert svc["garbage"].findtext("metadata") == "false"

    en = w.client.get(f"{BASE}/services.json", headers={"Accept-Language": "en-US,en;q=0.8"}).json()
    assert {s["service_code"]: s["service_name"] for s in en}["road_damage"] == "Road damage"
    assert {s["service_code"]: s for s in w.client.get(f"{BASE}/services.json?locale=en_US").json()}[
        "road_damage"
    ]["group"] == "Municipal facilities"


def test_service_definition_json_and_xml(w: World311) -> None:
    d = w.client.get(f"{BASE}/services/elevator.json").json()
    assert d["service_code"] == "elevator"
    (attr,) = d["attributes"]
    assert attr["code"] == "trapped" and attr["datatype"] == "singlevaluelist"
    assert attr["variable"] is True and attr["required"] is True and attr["order"] == 1
    assert attr["description"] == "是否有人被困" and attr["datatype_description"]
    assert attr["values"] == [{"key": "yes", "name": "是"}, {"key": "no", "name": "否"}]

    root = xml(w.client.get(f"{BASE}/services/elevator.xml").content)
    assert root.tag == "service_definition"
    a = root.find("attributes/attribute")
    assert a is not None and a.findtext("required") == "true"
    assert [v.findtext("key") for v in a.findall("values/value")] == ["yes", "no"]
    # Without a suffix: JSON.
    assert w.client.get(f"{BASE}/services/streetlight").json()["attributes"][0]["code"] == "pole_number"


def test_unknown_service_is_404_in_the_spec_format(w: World311) -> None:
    r = w.client.get(f"{BASE}/services/no_such.json")
    assert r.status_code == 404
    assert r.json() == [{"code": 404, "description": "没有该服务：no_such"}]
    r = w.client.get(f"{BASE}/services/no_such.xml", headers={"Accept-Language": "en"})
    err = xml(r.content)
    assert r.status_code == 404 and err.tag == "errors"
    assert (
        err.findtext("error/code") == "404"
        and err.findtext("error/description") == "No such service: no_such"
    )


# ---------------------------------------------------------------- filing and reading


def test_post_form_json_then_read_it_back(w: World311) -> None:
    lat, lng = w.points["G1"]
    r = w.post(
        description="路面塌陷一个大坑",
        address_string="宝石一网格 3 号楼前",
        email="li@example.com",
        first_name="小明",
        last_name="李",
        phone="(0571) 8888-1234",
        device_id="dev-42",
        account_id="acct-7",
        media_url="https://img.example.com/p/1.jpg",
    )
    assert r.status_code == 200, r.text
    (body,) = r.json()
    rid = body["service_request_id"]
    assert rid.startswith("GZ20261123") and body["account_id"] == "acct-7"
    assert "1 个工作日" in body["service_notice"] and body["token"]

    case = case_of(w, rid)
    assert (
        case.source == "open311"
        and case.reporter_name == "李小明"
        and case.reporter_phone == "0571 8888-1234"
    )
    assert case.external_ref == body["token"]
    row = w.session.get_one(Open311Request, case.id)
    assert (row.email, row.device_id, row.account_id, row.client_id) == (
        "li@example.com",
        "dev-42",
        "acct-7",
        w.app.id,
    )

    got = w.client.get(f"{BASE}/requests/{rid}.json")
    assert got.status_code == 200
    (req,) = got.json()
    assert req["service_request_id"] == rid and req["status"] == "open"
    assert req["service_code"] == "road_damage" and req["service_name"] == "道路破损"
    assert req["description"] == "路面塌陷一个大坑"
    assert req["agency_responsible"] == "街道市政所"
    assert req["requested_datetime"] == "2026-11-23T10:00:00+08:00"
    assert req["expected_datetime"] == datetime.fromisoformat(req["expected_datetime"]).isoformat()
    assert datetime.fromisoformat(req["expected_datetime"]) == case.resolve_due_at
    assert req["address"] == "宝石一网格 3 号楼前" and req["address_id"] == "G1"
    assert (req["lat"], req["long"]) == (lat, lng)
    assert req["media_url"] == "https://img.example.com/p/1.jpg"
    # Private fields never appear.
    for secret in ("li@example.com", "8888", "李小明", "小明", "dev-42", "acct-7", w.key):
        assert secret not in got.text
    assert set(req) == {
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    }
    # The key's client is in the audit chain of the case.
    assert w.app.last_used_at == w.clock.now()


def test_post_and_read_xml(w: World311) -> None:
    r = w.post("xml", service_code="elevator", **{"attribute[trapped]": "yes"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/xml"), r.text
    root = xml(r.content)
    assert root.tag == "service_requests"
    rid = root.findtext("request/service_request_id") or ""
    assert root.find("request/account_id") is not None and not root.findtext("request/account_id")

    case = case_of(w, rid)
    assert case.attributes == {"trapped": "yes"} and case.priority == "P1"  # the answer raised it

    got = xml(w.client.get(f"{BASE}/requests/{rid}.xml").content)
    req = got.find("request")
    assert req is not None
    assert req.findtext("service_request_id") == rid and req.findtext("status") == "open"
    assert req.findtext("agency_responsible") == "一社区物业"
    assert req.findtext("requested_datetime") == "2026-11-23T10:00:00+08:00"
    assert req.find("zipcode") is not None and not req.findtext("media_url")


def test_api_key_in_query_string_and_no_suffix(w: World311) -> None:
    lat, lng = w.points["G2"]
    r = w.client.post(
        f"{BASE}/requests?api_key={w.key}",
        data={"service_code": "garbage", "lat": lat, "long": lng, "description": "垃圾堆了三天"},
    )
    assert r.status_code == 200, r.text
    assert case_of(w, r.json()[0]["service_request_id"]).category_id is not None


def test_address_id_is_a_grid_code_and_address_string_names_a_grid(w: World311) -> None:
    c1 = case_of(w, one(w, lat=None, long=None, address_id="G3"))
    assert c1.grid_id is not None and c1.lat is None
    c2 = case_of(w, one(w, lat=None, long=None, address_string="保俶一网格 12幢 东侧"))
    assert c2.grid_id == c1.grid_id and c2.address == "保俶一网格 12幢 东侧"


def test_multipart_with_photo_and_its_media_url(w: World311) -> None:
    lat, lng = w.points["G1"]
    r = w.client.post(
        f"{BASE}/requests.json",
        data={
            "api_key": w.key,
            "service_code": "streetlight",
            "lat": str(lat),
            "long": str(lng),
            "description": "路灯不亮",
            "attribute[pole_number]": "BS-017",
        },
        files={"media": ("lamp.jpg", jpeg(), "image/jpeg")},
    )
    assert r.status_code == 200, r.text
    rid = r.json()[0]["service_request_id"]
    case = case_of(w, rid)
    (photo,) = w.session.scalars(select(CaseMedia).where(CaseMedia.case_id == case.id)).all()
    assert photo.content_type == "image/jpeg"
    req = w.client.get(f"{BASE}/requests/{rid}.json").json()[0]
    assert req["media_url"] == f"http://testserver/media/{photo.id}"
    # A moderator hides the photo: it leaves the public answer.
    photo.hidden = True
    w.session.flush()
    assert w.client.get(f"{BASE}/requests/{rid}.json").json()[0]["media_url"] is None


def test_tokens(w: World311) -> None:
    r = w.post()
    body = r.json()[0]
    got = w.client.get(f"{BASE}/tokens/{body['token']}.json").json()
    assert got == [{"service_request_id": body["service_request_id"], "token": body["token"]}]
    x = xml(w.client.get(f"{BASE}/tokens/{body['token']}.xml").content)
    assert x.findtext("request/service_request_id") == body["service_request_id"]
    assert w.client.get(f"{BASE}/tokens/nope.json").status_code == 404


# ---------------------------------------------------------------- attributes against the definition


@pytest.fixture
def survey(w: World311) -> Category:
    cat = Category(
        code="tree_survey",
        name_zh="树木问题",
        name_en="Tree problem",
        unit_kind="municipal",
        default_priority="P3",
        attributes=[
            {
                "code": "kinds",
                "datatype": "multivaluelist",
                "required": True,
                "description": "问题类型",
                "values": [
                    {"key": "branch", "name": "断枝"},
                    {"key": "pest", "name": "虫害"},
                    {"key": "lean", "name": "倾斜"},
                ],
            },
            {"code": "height", "datatype": "number", "required": False, "description": "树高（米）"},
            {"code": "seen_at", "datatype": "datetime", "required": False, "description": "发现时间"},
            {"code": "note", "datatype": "text", "required": False, "description": "补充"},
            {"code": "info", "datatype": "string", "variable": False, "description": "请勿攀爬"},
        ],
    )
    w.session.add(cat)
    w.session.flush()
    return cat


def test_attributes_are_checked_against_the_definition(w: World311, survey: Category) -> None:
    definition = w.client.get(f"{BASE}/services/tree_survey.json").json()
    assert [a["order"] for a in definition["attributes"]] == [1, 2, 3, 4, 5]
    assert definition["attributes"][4]["variable"] is False

    lat, lng = w.points["G1"]
    base = [
        ("api_key", w.key),
        ("service_code", "tree_survey"),
        ("lat", str(lat)),
        ("long", str(lng)),
        ("description", "行道树"),
    ]
    ok = w.client.post(
        f"{BASE}/requests.json",
        content="&".join(
            f"{k}={v}"
            for k, v in [
                *base,
                ("attribute[kinds][]", "branch"),
                ("attribute[kinds][]", "lean"),
                ("attribute[height]", "7.5"),
                ("attribute[seen_at]", "2026-11-23T08:30:00"),
            ]
        ).encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert ok.status_code == 200, ok.text
    case = case_of(w, ok.json()[0]["service_request_id"])
    assert case.attributes["kinds"] == "branch,lean"
    assert case.attributes["height"] == 7.5
    assert case.attributes["seen_at"] == "2026-11-23T08:30:00+08:00"

    before = w.counts()
    bad = [
        {},  # the required multivaluelist is missing
        {"attribute[kinds][]": "fire"},  # not one of the values
        {"attribute[kinds][]": "branch", "attribute[height]": "tall"},
        {"attribute[kinds][]": "branch", "attribute[height]": "nan"},
        {"attribute[kinds][]": "branch", "attribute[seen_at]": "yesterday"},
        {"attribute[kinds][]": "branch", "attribute[colour]": "red"},  # no such attribute
        {"attribute[kinds][]": "branch", "attribute[info]": "x"},  # not a variable attribute
    ]
    for extra in bad:
        r = w.client.post(f"{BASE}/requests.json", data=dict(base) | extra)
        assert r.status_code == 400, (extra, r.text)
        assert r.json()[0]["code"] == 400 and r.json()[0]["description"]
    assert w.counts() == before


# ---------------------------------------------------------------- errors: nothing stored


def test_post_errors_answer_400_403_and_store_nothing(w: World311) -> None:
    from tests.factories import OUTSIDE_POINT

    before = w.counts()
    cases_400: list[dict[str, Any]] = [
        {"service_code": "no_such_service"},
        {"service_code": None},
        {"lat": None, "long": None},  # no location at all
        {"long": None},  # lat without long
        {"lat": str(OUTSIDE_POINT[1]), "long": str(OUTSIDE_POINT[0])},  # outside every grid
        {"lat": "91", "long": "120.2"},
        {"lat": "abc"},
        {"lat": "nan", "long": "nan"},
        {"description": "坑" * 4001},
        {"service_code": "elevator"},  # required attribute missing
        {"service_code": "elevator", "attribute[trapped]": "maybe"},
        {"media_url": "javascript:alert(1)"},
        {"email": "not-an-email"},
        {"phone": "call me maybe"},
        {"lat": None, "long": None, "address_id": "NOPE"},
        {"lat": None, "long": None, "address_string": "某个不知道的地方"},
        {"description": "bad\x00byte"},
    ]
    for fields in cases_400:
        r = w.post(**fields)
        assert r.status_code == 400, (fields, r.text)
        (err,) = r.json()
        assert err["code"] == 400 and err["description"], fields
    # 4000 characters is still fine (checked last so the count comparison above stays simple).
    assert w.counts() == before

    r = w.post(key="")
    assert r.status_code == 403 and r.json()[0]["code"] == 403
    assert "api_key" in r.json()[0]["description"]
    r = w.post("xml", key="o311_wrong_key_wrong_key_wrong")
    assert r.status_code == 403 and xml(r.content).findtext("error/code") == "403"
    assert w.counts() == before

    assert w.post(description="坑" * 4000).status_code == 200


def test_bad_media_is_400_and_stores_nothing(w: World311) -> None:
    lat, lng = w.points["G1"]
    before = w.counts()
    data = {
        "api_key": w.key,
        "service_code": "garbage",
        "lat": str(lat),
        "long": str(lng),
        "description": "x",
    }
    fake = w.client.post(
        f"{BASE}/requests.json", data=data, files={"media": ("x.jpg", b"<?php echo 1; ?>", "image/jpeg")}
    )
    assert fake.status_code == 400, fake.text
    huge = w.client.post(
        f"{BASE}/requests.json",
        data=data,
        files={"media": ("big.jpg", b"\xff\xd8" + b"0" * (11 * 1024 * 1024), "image/jpeg")},
    )
    assert huge.status_code == 400, huge.text
    many = w.client.post(
        f"{BASE}/requests.json",
        data=data,
        files=[("media", (f"{i}.jpg", jpeg(), "image/jpeg")) for i in range(4)],
    )
    assert many.status_code == 400, many.text
    assert w.counts() == before


def test_revoked_key_and_rate_limit(w: World311) -> None:
    limited = service.add_client(w.session, name="小程序", now=w.clock.now(), rate_limit_per_hour=2)
    w.session.flush()
    assert w.post(key=limited.key).status_code == 200
    assert w.post(key=limited.key).status_code == 200
    r = w.post(key=limited.key)
    assert r.status_code == 429 and r.json()[0]["code"] == 429
    w.clock.advance(timedelta(minutes=61))
    assert w.post(key=limited.key).status_code == 200

    service.revoke_client(w.session, client_id=limited.client.id, now=w.clock.now())
    w.session.flush()
    before = w.counts()
    r = w.post(key=limited.key, **{"locale": "en"})
    assert r.status_code == 403 and r.json()[0]["description"] == "The api_key is unknown or has been revoked"
    assert w.counts() == before


def test_jurisdiction_id(w: World311) -> None:
    rid = one(w, jurisdiction_id="S1")
    assert w.client.get(f"{BASE}/requests.json?jurisdiction_id=S1").json()[0]["service_request_id"] == rid
    for path in (
        "discovery.json",
        "services.json",
        "services/garbage.json",
        "requests.json",
        f"requests/{rid}.json",
    ):
        r = w.client.get(f"{BASE}/{path}?jurisdiction_id=XX")
        assert r.status_code == 404, path
        assert "XX" in r.json()[0]["description"]
    before = w.counts()
    assert w.post(jurisdiction_id="nowhere").status_code == 404
    assert w.counts() == before


def test_unknown_paths_request_and_format(w: World311) -> None:
    r = w.client.get(f"{BASE}/requests/GZ20261123999999.json")
    assert r.status_code == 404 and r.json()[0]["code"] == 404
    assert w.client.get(f"{BASE}/requests/garbage.xml").status_code == 404
    assert w.client.get(f"{BASE}/nothing/here.xml").headers["content-type"].startswith("text/xml")
    assert w.client.get(f"{BASE}/services.csv").status_code == 404
    # A case number with the right id but the wrong date is not that request.
    rid = one(w)
    wrong = "GZ20200101" + rid[10:]
    assert w.client.get(f"{BASE}/requests/{wrong}.json").status_code == 404
    # The bare case id is accepted too.
    assert w.client.get(f"{BASE}/requests/{case_of(w, rid).id}.json").json()[0]["service_request_id"] == rid


# ---------------------------------------------------------------- filters


def _ids(r: Any) -> list[str]:
    assert r.status_code == 200, r.text
    return [x["service_request_id"] for x in r.json()]


def test_every_filter(w: World311) -> None:
    t0 = w.clock.now()
    a = one(w, service_code="garbage")
    w.clock.advance(timedelta(days=1))
    b = one(w, service_code="road_damage")
    w.clock.advance(timedelta(days=1))
    c = one(w, service_code="noise", **{"attribute[night]": "yes"})
    # b is resolved: closed for Open311, with the resolution note as status_notes.
    case_b = case_of(w, b)
    cases.transition(w.session, user=w.worker_g1, case_id=case_b.id, action="accept", now=w.clock.now())
    cases.transition(
        w.session, user=w.worker_g1, case_id=case_b.id, action="resolve", now=w.clock.now(), note="已修补路面"
    )
    w.session.flush()
    get = w.client.get

    assert _ids(get(f"{BASE}/requests.json")) == [c, b, a]  # newest first, default last 90 days
    assert _ids(get(f"{BASE}/requests.json?status=open")) == [c, a]
    assert _ids(get(f"{BASE}/requests.json?status=closed")) == [b]
    assert _ids(get(f"{BASE}/requests.json?status=open,closed")) == [c, b, a]
    closed = get(f"{BASE}/requests.json?status=closed").json()[0]
    assert closed["status_notes"] == "已办结：已修补路面"
    assert _ids(get(f"{BASE}/requests.json?service_code=garbage,noise")) == [c, a]
    assert _ids(get(f"{BASE}/requests.json?service_code=road_damage&status=open")) == []

    day2 = (t0 + timedelta(days=1)).astimezone(SHANGHAI)
    # The '+' of the offset, sent unencoded, arrives as a space; both forms work.
    start = day2.isoformat().replace("+", "%2B")
    assert _ids(get(f"{BASE}/requests.json?start_date={start}")) == [c, b]
    assert _ids(get(f"{BASE}/requests.json?start_date={day2.isoformat()}")) == [c, b]
    end = (t0 + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _ids(get(f"{BASE}/requests.json?end_date={end}")) == [a]
    assert _ids(get(f"{BASE}/requests.json?start_date=2026-11-24&end_date=2026-11-24T23:59:59")) == [b]

    # service_request_id overrides the rest, comma separated, unknown ids simply absent.
    assert _ids(
        get(
            f"{BASE}/requests.json?service_request_id={a},{c},GZ20261123999999&status=closed"
            "&service_code=road_damage&start_date=2020-01-01T00:00:00Z&end_date=2020-01-02T00:00:00Z"
        )
    ) == [c, a]

    x = xml(get(f"{BASE}/requests.xml?status=open").content)
    assert [r.findtext("service_request_id") for r in x.findall("request")] == [c, a]

    # Older than 90 days leaves the default window.
    w.clock.advance(timedelta(days=90))
    assert _ids(get(f"{BASE}/requests.json")) == [c]


def test_bad_filters_are_400(w: World311) -> None:
    for query in (
        "start_date=yesterday",
        "end_date=2026-13-01",
        "start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",  # > 90 days
        "start_date=2026-06-01T00:00:00Z&end_date=2026-01-01T00:00:00Z",  # reversed
        "status=pending",
        "service_code=no_such",
    ):
        r = w.client.get(f"{BASE}/requests.json?{query}")
        assert r.status_code == 400, query
        assert r.json()[0]["code"] == 400
    r = w.client.get(f"{BASE}/requests.xml?status=pending", headers={"Accept-Language": "en"})
    assert r.status_code == 400 and "open or closed" in (xml(r.content).findtext("error/description") or "")


def test_at_most_1000_results(w: World311) -> None:
    now = w.clock.now()
    cat = w.session.scalars(select(Category).where(Category.code == "garbage")).one()
    grid_id = case_of(w, one(w)).grid_id
    w.session.add_all(
        Case(
            created_at=now - timedelta(minutes=i),
            updated_at=now,
            source="citizen",
            category_id=cat.id,
            priority="P3",
            status="new",
            description=f"#{i}",
            grid_id=grid_id,
        )
        for i in range(1, 1001)
    )
    w.session.flush()
    items = w.client.get(f"{BASE}/requests.json").json()
    assert len(items) == 1000


def test_only_public_resident_reports_are_listed(w: World311) -> None:
    rid = one(w)
    cat = w.session.scalars(select(Category).where(Category.code == "garbage")).one()
    internal = Case(
        created_at=w.clock.now(),
        updated_at=w.clock.now(),
        source="dispute",
        category_id=cat.id,
        priority="P3",
        status="new",
        description="邻里纠纷",
        grid_id=case_of(w, rid).grid_id,
    )
    w.session.add(internal)
    w.session.flush()
    assert _ids(w.client.get(f"{BASE}/requests.json")) == [rid]
    assert w.client.get(f"{BASE}/requests/{internal.id}.json").status_code == 404


def test_moderated_text_is_not_public(w: World311) -> None:
    rid = one(w, description="骂人的话")
    case = case_of(w, rid)
    case.description_hidden = True
    w.session.flush()
    got = w.client.get(f"{BASE}/requests/{rid}.json")
    assert "骂人的话" not in got.text and "屏蔽" in got.json()[0]["description"]


def test_nul_bytes_are_400_not_a_crash(w: World311) -> None:
    before = w.counts()
    assert w.client.get(f"{BASE}/requests.json?jurisdiction_id=S%001").status_code == 400
    assert w.client.get(f"{BASE}/tokens/ab%00c.json").status_code == 400
    assert w.post(address_id="G\x001", lat=None, long=None).status_code == 400
    assert w.post(jurisdiction_id="S\x001").status_code == 400
    assert w.counts() == before


def test_json_body_is_accepted_too(w: World311) -> None:
    lat, lng = w.points["G1"]
    r = w.client.post(
        f"{BASE}/requests.json",
        json={
            "api_key": w.key,
            "service_code": "elevator",
            "lat": lat,
            "long": lng,
            "description": "电梯异响",
            "attribute": {"trapped": "no"},
        },
    )
    assert r.status_code == 200, r.text
    assert case_of(w, r.json()[0]["service_request_id"]).attributes == {"trapped": "no"}
    bad = w.client.post(
        f"{BASE}/requests.json", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert bad.status_code == 400 and bad.json()[0]["code"] == 400


def test_outside_every_grid_tells_the_client_where_the_grids_are(w: World311) -> None:
    r = w.post(lat="37.7622", long="-122.4651", locale="en")
    assert r.status_code == 400
    assert "lat 30.2500–30.2590, long 120.2000–120.2090" in r.json()[0]["description"]


def test_raw_utf8_in_a_url_encoded_body_is_read_as_utf8(w: World311) -> None:
    # `curl -d "description=路灯不亮"` sends the bytes without percent-encoding them.
    lat, lng = w.points["G1"]
    raw = (f"api_key={w.key}&service_code=road_damage&lat={lat}&long={lng}&description=路灯不亮了"
           "&address_string=Café 门口").encode()
    r = w.client.post(f"{BASE}/requests.json", content=raw,
                      headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200, r.text
    (body,) = r.json()
    got = w.client.get(f"{BASE}/requests/{body['service_request_id']}.json").json()[0]
    assert got["description"] == "路灯不亮了"
    # Properly percent-encoded text (the usual case) is untouched, Latin letters included.
    r = w.client.post(f"{BASE}/requests.json", data={"api_key": w.key, "service_code": "road_damage",
                                                     "lat": str(lat), "long": str(lng), "description": "Café ü"})
    (body,) = r.json()
    assert w.client.get(f"{BASE}/requests/{body['service_request_id']}.json").json()[0]["description"] == "Café ü"
