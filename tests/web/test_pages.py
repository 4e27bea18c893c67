"""Server-rendered pages through the test client (no browser): login, CSRF, queue, case actions, map, i18n."""

from __future__ import annotations

import gzip
import re
import string
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests import factories
from tests.web.helpers import Street, login

from gongzhi.auth.deps import SESSION_COOKIE
from gongzhi.auth.models import LoginThrottle
from gongzhi.cases.models import Case
from gongzhi.i18n import keys, translate
from gongzhi.web import messages as web_messages
from gongzhi.web.render import countdown_text, safe_next
from gongzhi.web.views import parse_case_ref

KEY_LEAK = re.compile(r"\b(?:web|case_status|case_action|case_priority|role)\.[a-z_]+")


def _act(client: TestClient, case: Case, csrf: str, action: str, **fields: str) -> Response:
    """POST one action form of the case page, as the browser would."""
    return client.post(f"/cases/{case.id}/act", data={"csrf_token": csrf, "action": action, **fields},
                       follow_redirects=False)


def _login_form(client: TestClient, next_url: str = "/") -> str:
    r = client.get(f"/login?next={next_url}")
    assert r.status_code == 200
    m = re.search(r'name="login_csrf" value="([^"]+)"', r.text)
    assert m
    return m.group(1)


def _post_login(client: TestClient, username: str, password: str, next_url: str = "/") -> Response:
    token = _login_form(client, next_url)
    return client.post("/login", data={"username": username, "password": password, "login_csrf": token,
                                       "next": next_url}, follow_redirects=False)


# ---------------------------------------------------------------- login / logout


def test_login_sets_session_cookie_and_sends_each_role_home(client: TestClient, street: Street) -> None:
    r = _post_login(client, "worker_g1", factories.DEFAULT_PASSWORD)
    assert r.status_code == 303 and r.headers["location"] == "/home"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith(f"{SESSION_COOKIE}="))
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Path=/" in cookie
    assert "Secure" not in cookie  # settings.cookie_secure is off in tests
    assert client.get("/", follow_redirects=False).headers["location"] == "/home"
    page = client.get("/queue")
    assert page.status_code == 200 and "李网格" in page.text and "欢迎，李网格" in page.text

    client.cookies.clear()
    r = _post_login(client, "resident1", factories.DEFAULT_PASSWORD)
    assert r.headers["location"] == "/home"


def test_login_honours_a_same_site_next_only(client: TestClient, street: Street) -> None:
    r = _post_login(client, "official_s1", factories.DEFAULT_PASSWORD, next_url="/map")
    assert r.headers["location"] == "/map"
    client.cookies.clear()
    r = _post_login(client, "official_s1", factories.DEFAULT_PASSWORD, next_url="//evil.example/x")
    assert r.headers["location"] == "/home"
    assert safe_next("https://evil.example") == "/" and safe_next("/\\evil") == "/"


def test_failed_login_rerenders_in_chinese_and_is_recorded_then_locks(
    client: TestClient, street: Street, session: Session
) -> None:
    r = _post_login(client, "worker_g1", "wrong-password")
    assert r.status_code == 401
    assert "用户名或密码错误" in r.text and 'value="worker_g1"' in r.text
    assert SESSION_COOKIE not in client.cookies
    # The page answered normally, so the request committed the failure count.
    row = session.scalar(select(LoginThrottle).where(LoginThrottle.key == "worker_g1"))
    assert row is not None and row.failures == 1
    for _ in range(3):
        assert _post_login(client, "worker_g1", "wrong-password").status_code == 401
    r = _post_login(client, "worker_g1", "wrong-password")
    assert r.status_code == 429 and "登录失败次数过多" in r.text
    # Locked: even the right password is refused now.
    r = _post_login(client, "worker_g1", factories.DEFAULT_PASSWORD)
    assert r.status_code == 429 and SESSION_COOKIE not in client.cookies


def test_login_post_without_its_csrf_token_is_refused(client: TestClient, street: Street) -> None:
    r = client.post("/login", data={"username": "worker_g1", "password": factories.DEFAULT_PASSWORD},
                    follow_redirects=False)
    assert r.status_code == 403 and "表单已过期" in r.text
    assert SESSION_COOKIE not in client.cookies


def test_logout_needs_csrf_and_ends_the_session(client: TestClient, street: Street, session: Session) -> None:
    csrf = login(client, session, street.worker_g1)
    assert client.post("/logout", follow_redirects=False).status_code == 403
    assert client.get("/queue").status_code == 200
    old = client.cookies.get(SESSION_COOKIE)
    r = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    client.cookies.set(SESSION_COOKIE, old or "")
    r = client.get("/queue", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fqueue"


def test_anonymous_page_redirects_to_login_with_next(client: TestClient, street: Street) -> None:
    r = client.get("/queue?status=dispatched", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Fqueue%3Fstatus%3Ddispatched"
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"


# ---------------------------------------------------------------- queue


def test_queue_lists_only_in_scope_cases_overdue_first(client: TestClient, street: Street,
                                                       session: Session) -> None:
    now = street.clock.now()
    fresh = street.report("G1", description="新报的路灯问题")
    late = street.report("G1", at=now - timedelta(hours=3), description="三小时前报的路灯问题")
    other_grid = street.report("G3", description="另一个网格的问题")
    login(client, session, street.worker_g1)
    r = client.get("/queue")
    assert r.status_code == 200
    ids = [int(x) for x in re.findall(r'data-case-id="(\d+)"', r.text)]
    assert ids == [late.id, fresh.id]
    assert other_grid.id not in ids
    # P2 streetlight: accept within 60 minutes.
    assert "已超时 2小时0分" in r.text and "剩余 1小时0分" in r.text
    assert "超时 1 件" in r.text

    r = client.get("/queue?status=accepted")
    assert re.findall(r'data-case-id="(\d+)"', r.text) == []


def test_queue_status_filter(client: TestClient, street: Street, session: Session) -> None:
    case = street.report("G1")
    login(client, session, street.worker_g1)
    assert f'data-case-id="{case.id}"' in client.get("/queue?status=dispatched").text
    assert f'data-case-id="{case.id}"' not in client.get("/queue?status=in_progress").text
    # An unknown status is ignored, not an error.
    assert client.get("/queue?status=bogus").status_code == 200


def test_countdown_texts() -> None:
    deadline = factories.T0
    assert countdown_text(deadline, deadline - timedelta(minutes=80), "zh") == "剩余 1小时20分"
    assert countdown_text(deadline, deadline + timedelta(minutes=35, seconds=20), "zh") == "已超时 35分钟"
    assert countdown_text(deadline, deadline - timedelta(days=2, hours=3), "zh") == "剩余 2天3小时"
    assert countdown_text(deadline, deadline + timedelta(minutes=35), "en") == "35 min overdue"


# ---------------------------------------------------------------- case page and actions


def test_case_page_offers_only_allowed_actions_and_accept_is_prg(client: TestClient, street: Street,
                                                                 session: Session) -> None:
    case = street.report("G1")
    csrf = login(client, session, street.worker_g1)
    page = client.get(f"/cases/{case.id}")
    assert page.status_code == 200
    offered = set(re.findall(r'name="action" value="(\w+)"', page.text))
    assert "accept" in offered and "resolve" not in offered and "rate" not in offered
    r = _act(client, case, csrf, "accept", note="马上去看")
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case.id}"
    page = client.get(f"/cases/{case.id}")
    assert "已完成：签收" in page.text
    assert 'id="case-status">已签收<' in page.text
    timeline = page.text[page.text.index('id="timeline"'):]
    assert timeline.index('data-action="dispatch"') < timeline.index('data-action="accept"')
    assert "马上去看" in timeline
    # The flash shows once.
    assert "已完成：签收" not in client.get(f"/cases/{case.id}").text
    session.refresh(case)
    assert case.status == "accepted"


def test_case_action_without_csrf_is_refused(client: TestClient, street: Street, session: Session) -> None:
    case = street.report("G1")
    login(client, session, street.worker_g1)
    r = client.post(f"/cases/{case.id}/act", data={"action": "accept"}, follow_redirects=False)
    assert r.status_code == 403 and "表单已过期" in r.text
    session.refresh(case)
    assert case.status == "dispatched"


def test_illegal_action_shows_the_reason_in_chinese(client: TestClient, street: Street,
                                                    session: Session) -> None:
    case = street.report("G1")
    csrf = login(client, session, street.worker_g1)
    _act(client, case, csrf, "accept")
    r = _act(client, case, csrf, "accept")
    assert r.status_code == 409
    assert "工单当前状态为“已签收”，不能执行“签收”" in r.text


def test_reasons_notes_and_originals_are_required(client: TestClient, street: Street,
                                                  session: Session) -> None:
    case = street.report("G1")
    csrf = login(client, session, street.worker_g1)
    r = _act(client, case, csrf, "reject", note=" ")
    assert r.status_code == 422 and "需要填写说明" in r.text
    r = _act(client, case, csrf, "duplicate", duplicate_of="x")
    assert r.status_code == 422 and "请填写原工单编号" in r.text
    _act(client, case, csrf, "accept")
    r = _act(client, case, csrf, "resolve", note="")
    assert r.status_code == 422 and "需要填写说明" in r.text
    session.refresh(case)
    assert case.status == "accepted"


def test_duplicate_takes_a_case_number(client: TestClient, street: Street, session: Session) -> None:
    from gongzhi.cases.service import case_number

    original = street.report("G1", description="第一次报")
    copy = street.report("G1", description="同一个问题又报了一次")
    csrf = login(client, session, street.worker_g1)
    r = _act(client, copy, csrf, "duplicate", duplicate_of=case_number(original))
    assert r.status_code == 303
    session.refresh(copy)
    assert copy.status == "duplicate" and copy.duplicate_of_id == original.id
    assert parse_case_ref("GZ20261123000042") == 42 and parse_case_ref("#7") == 7
    assert parse_case_ref("x") is None and parse_case_ref("0") is None


def test_reporter_rates_after_resolution(client: TestClient, street: Street, session: Session) -> None:
    case = street.report("G1")
    csrf = login(client, session, street.worker_g1)
    _act(client, case, csrf, "accept")
    _act(client, case, csrf, "resolve", note="已更换灯泡")
    client.cookies.clear()
    csrf = login(client, session, street.resident)
    page = client.get(f"/cases/{case.id}")
    assert 'name="rating"' in page.text and "已更换灯泡" in page.text
    r = _act(client, case, csrf, "rate")
    assert r.status_code == 422 and "请选择 1–5 星" in r.text
    r = _act(client, case, csrf, "rate", rating="5")
    assert r.status_code == 303
    session.refresh(case)
    assert case.status == "closed" and case.rating == 5


def test_case_outside_scope_is_a_chinese_404_page(client: TestClient, street: Street,
                                                  session: Session) -> None:
    case = street.report("G1")
    login(client, session, street.worker_g3)
    r = client.get(f"/cases/{case.id}")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    assert "工单不存在或无权查看" in r.text
    assert client.get("/cases/abc").status_code == 404
    assert client.get("/no-such-page").status_code == 404


# ---------------------------------------------------------------- report form


def test_report_by_grid_creates_a_case_and_shows_its_number(client: TestClient, street: Street,
                                                           session: Session) -> None:
    csrf = login(client, session, street.resident)
    form = client.get("/report")
    assert form.status_code == 200 and "路灯故障" in form.text and "宝石社区 · 宝石一网格" in form.text
    r = client.post("/report", data={"csrf_token": csrf, "category": "elevator",
                                     "description": "3号楼电梯停在半层",
                                     "grid_code": "G1", "attr__elevator__trapped": "yes",
                                     "attr__illegal_parking__plate": "浙A12345"}, follow_redirects=False)
    assert r.status_code == 303
    case_id = int(r.headers["location"].rsplit("/", 1)[1])
    case = session.get_one(Case, case_id)
    # Only the chosen category's answers are sent; "someone trapped" raises it to P1.
    assert case.attributes == {"trapped": "yes"} and case.priority == "P1"
    page = client.get(r.headers["location"])
    assert "已提交，工单号 GZ20261123" in page.text and "3号楼电梯停在半层" in page.text
    assert f'data-case-id="{case_id}"' in client.get("/my").text


def test_report_by_location_finds_the_grid(client: TestClient, street: Street, session: Session) -> None:
    csrf = login(client, session, street.resident)
    lng, lat = factories.point_in("G2")
    r = client.post("/report", data={"csrf_token": csrf, "category": "garbage", "description": "垃圾堆了三天",
                                     "lat": str(lat), "lng": str(lng)}, follow_redirects=False)
    assert r.status_code == 303
    case = session.get_one(Case, int(r.headers["location"].rsplit("/", 1)[1]))
    assert case.grid_id is not None and case.lat == pytest.approx(lat)


def test_report_problems_rerender_the_form(client: TestClient, street: Street, session: Session) -> None:
    csrf = login(client, session, street.resident)
    r = client.post("/report", data={"csrf_token": csrf, "category": "garbage", "description": "垃圾"})
    assert r.status_code == 422 and "请选择网格或使用我的位置" in r.text and ">垃圾</textarea>" in r.text
    lng, lat = factories.OUTSIDE_POINT
    r = client.post("/report", data={"csrf_token": csrf, "category": "garbage", "description": "垃圾",
                                     "lat": str(lat), "lng": str(lng)})
    assert r.status_code == 422 and "不在本街道任何网格内" in r.text
    r = client.post("/report", data={"csrf_token": csrf, "category": "elevator", "description": "电梯坏了",
                                     "grid_code": "G1"})
    assert r.status_code == 422 and "请回答：是否有人被困" in r.text
    r = client.post("/report", data={"csrf_token": csrf, "category": "no_such", "description": "问题",
                                     "grid_code": "G1"})
    assert r.status_code == 422 and "未知的问题类别：no_such" in r.text
    assert session.scalars(select(Case)).first() is None


# ---------------------------------------------------------------- map and vendor JS


def test_map_uses_the_local_plotly_and_no_tiles(client: TestClient, street: Street, session: Session) -> None:
    street.report("G1")
    street.report("G1")
    street.report("G3")
    login(client, session, street.official)
    r = client.get("/map")
    assert r.status_code == 200
    assert 'src="/static/vendor/plotly.min.js?v=' in r.text
    figure = r.text[r.text.index('id="map-figure">'):]
    figure = figure[: figure.index("</script>")]
    assert "://" not in figure and "mapbox" not in figure and "geo" not in figure.replace("geometry", "")
    assert '"scaleanchor":"x"' in figure and "/cases/" in figure
    # The no-JS table has the same counts.
    assert re.search(r"宝石一网格</td><td class=\"num\">2<", r.text)
    assert re.search(r"保俶一网格</td><td class=\"num\">1<", r.text)

    js = client.get("/static/vendor/plotly.min.js", headers={"Accept-Encoding": "identity"})
    assert js.status_code == 200 and js.content.startswith(b"/**\n* plotly.js")
    assert "max-age=31536000" in js.headers["cache-control"]
    zipped = client.get("/static/vendor/plotly.min.js", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers.get("content-encoding") == "gzip" and zipped.content == js.content
    assert len(gzip.compress(js.content[:1000])) > 0


def test_map_is_for_supervisors_and_grid_workers(client: TestClient, street: Street,
                                                 session: Session) -> None:
    login(client, session, street.resident)
    r = client.get("/map")
    assert r.status_code == 403 and "无权执行此操作" in r.text


def test_static_files_are_served_and_versioned_urls_cache_long(client: TestClient, street: Street) -> None:
    page = client.get("/login")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    css = re.search(r'href="(/static/css/app\.css\?v=\w+)"', page.text)
    assert css is not None
    r = client.get(css.group(1))
    assert r.status_code == 200 and "max-age=31536000" in r.headers["cache-control"]
    r = client.get("/static/js/app.js")
    assert r.status_code == 200 and "max-age" not in r.headers.get("cache-control", "")
    assert client.get("/static/../pages.py").status_code == 404


# ---------------------------------------------------------------- languages


def test_language_switch_sets_the_cookie_and_keeps_the_page(client: TestClient, street: Street,
                                                            session: Session) -> None:
    r = client.get("/lang/en?next=%2Flogin", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert "lang=en" in r.headers["set-cookie"]
    page = client.get("/login")
    assert '<html lang="en">' in page.text and "Log in" in page.text and "中文" in page.text
    assert client.get("/lang/zh?next=https://evil.example", follow_redirects=False).headers["location"] == "/"
    page = client.get("/login")
    assert '<html lang="zh-CN">' in page.text and "English" in page.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_renders_in_both_languages(client: TestClient, street: Street, session: Session,
                                              lang: str) -> None:
    case = street.report("G1")
    client.cookies.set("lang", lang)
    pages = {
        street.official: ["/queue", "/map", f"/cases/{case.id}", "/my"],
        street.resident: ["/report", "/my", f"/cases/{case.id}"],
        street.worker_g1: ["/queue", "/map", f"/cases/{case.id}"],
    }
    for user, paths in pages.items():
        client.cookies.delete(SESSION_COOKIE)
        login(client, session, user)
        for path in paths:
            r = client.get(path)
            assert r.status_code == 200, (path, r.text[:500])
            assert not KEY_LEAK.findall(r.text), (path, KEY_LEAK.findall(r.text))
            assert ('<html lang="en">' in r.text) == (lang == "en")
    client.cookies.delete(SESSION_COOKIE)
    r = client.get("/login")
    assert r.status_code == 200 and not KEY_LEAK.findall(r.text)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_catalogue_every_web_key_has_english_with_the_same_placeholders() -> None:
    zh, en = keys("zh"), keys("en")
    assert set(web_messages.MESSAGES) <= zh
    for key in sorted(zh):
        assert key in en, key
        assert translate(key, "en").strip(), key
        assert _fields(translate(key, "zh")) == _fields(translate(key, "en")), key
