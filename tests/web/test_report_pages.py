"""Resident reporting through the pages: photos, bad input, nearby duplicates, follow-up and rating,
the public view, following, moderation and the category editor (test client, no browser)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests import factories
from tests.web.helpers import Street, login

from gongzhi.audit import service as audit
from gongzhi.cases import media as case_media
from gongzhi.cases import service as cases
from gongzhi.cases.models import Case, CaseMedia, Category
from gongzhi.notify import service as notify
from gongzhi.notify.models import OutboxMessage


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (30.0, 15.0, 12.5), 3: "E", 4: (120.0, 12.0, 1.0)}
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (10, 120, 200)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32)).save(out, "PNG")
    return out.getvalue()


def file_report(client: TestClient, csrf: str, *, grid: str = "G1", category: str = "streetlight",
                description: str = "东门路灯不亮", photos: list[bytes] | None = None,
                offset: float = 0.0, **extra: str) -> Response:
    lng, lat = factories.point_in(grid)
    data = {"csrf_token": csrf, "category": category, "description": description,
            "lat": f"{lat + offset:.6f}", "lng": f"{lng:.6f}", **extra}
    files = [("photos", (f"p{i}.jpg", p, "image/jpeg")) for i, p in enumerate(photos or [])]
    return client.post("/report", data=data, files=files or None, follow_redirects=False)


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def case_from(r: Response, session: Session) -> Case:
    assert r.status_code == 303, r.text[:500]
    return session.get_one(Case, int(r.headers["location"].rsplit("/", 1)[1]))


# ---------------------------------------------------------------- filing with photos


def test_report_with_photo_strips_exif_and_serves_it(client: TestClient, street: Street, session: Session) -> None:
    csrf = login(client, session, street.resident)
    form = client.get("/report")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    assert "icons/streetlight.svg" in form.text and 'name="anonymous"' in form.text and "pin-svg" in form.text
    r = file_report(client, csrf, photos=[jpeg_with_gps()])
    case = case_from(r, session)
    [photo] = case_media.media_for(session, case.id)
    assert Image.open(io.BytesIO(photo.data)).getexif().get_ifd(0x8825) == {}
    page = client.get(f"/cases/{case.id}")
    assert f'src="/media/{photo.id}"' in page.text and "您的上报已登记" in page.text
    served = client.get(f"/media/{photo.id}")
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.content == photo.data
    # Anyone may see a public report's photo, even logged out.
    client.cookies.clear()
    assert client.get(f"/media/{photo.id}").status_code == 200
    assert client.get("/media/99999").status_code == 404


@pytest.mark.parametrize("problem", ["fake", "oversize", "too_many", "long_text", "outside", "unknown_category"])
def test_bad_reports_answer_4xx_and_store_nothing(client: TestClient, street: Street, session: Session,
                                                  monkeypatch: pytest.MonkeyPatch, problem: str) -> None:
    csrf = login(client, session, street.resident)
    before_cases, before_media = count(session, Case), count(session, CaseMedia)
    if problem == "fake":
        r = file_report(client, csrf, photos=[b"<?php echo 'not an image'; ?>"])
        expected = "只接受 JPEG、PNG 或 WebP 格式的真实图片"
    elif problem == "oversize":
        monkeypatch.setattr(case_media, "MAX_UPLOAD_BYTES", 2000)
        r = file_report(client, csrf, photos=[png(), jpeg_with_gps()])
        expected = "照片太大"
    elif problem == "too_many":
        r = file_report(client, csrf, photos=[png()] * 4)
        expected = "每个工单最多 3 张照片"
    elif problem == "long_text":
        r = file_report(client, csrf, description="灯" * 4001)
        expected = "4000"
    elif problem == "outside":
        lng, lat = factories.OUTSIDE_POINT
        r = client.post("/report", data={"csrf_token": csrf, "category": "streetlight", "description": "灯坏了",
                                         "lat": str(lat), "lng": str(lng)}, follow_redirects=False)
        expected = "不在本街道任何网格内"
    else:
        r = file_report(client, csrf, category="no_such_thing")
        expected = "未知的问题类别：no_such_thing"
    assert r.status_code in (400, 422) and expected in r.text
    assert "东门路灯不亮" in r.text or problem in ("long_text", "outside")  # the form keeps what was typed
    assert (count(session, Case), count(session, CaseMedia)) == (before_cases, before_media)


# ---------------------------------------------------------------- nearby duplicates


def test_nearby_open_report_is_offered_before_filing(client: TestClient, street: Street, session: Session) -> None:
    first = street.report("G1", "streetlight", description="东门路灯不亮")
    street.report("G1", "garbage", description="垃圾")  # another category: not offered
    lng, lat = factories.point_in("G1")
    csrf = login(client, session, street.worker_g1)  # anyone signed in may look
    found = client.get(f"/report/nearby?category=streetlight&lat={lat + 0.0002}&lng={lng}").json()
    assert [i["id"] for i in found["items"]] == [first.id] and 15 <= found["items"][0]["metres"] <= 30
    # More than 50 m away: nothing.
    far = client.get(f"/report/nearby?category=streetlight&lat={lat + 0.0006}&lng={lng}").json()
    assert far["items"] == []
    assert client.get("/report/nearby?category=streetlight&lat=abc&lng=1").status_code == 422
    assert client.get(f"/report/nearby?category=nope&lat={lat}&lng={lng}").status_code == 422

    client.cookies.clear()
    csrf = login(client, session, street.resident)
    before = count(session, Case)
    # The no-JS step: the form comes back with the nearby report and a follow button; nothing filed.
    r = file_report(client, csrf, description="路灯又坏了", offset=0.0002)
    assert r.status_code == 200 and f'data-nearby-id="{first.id}"' in r.text
    assert f'action="/reports/{first.id}/follow"' in r.text and 'name="confirm_new" id="confirm_new" value="1"' in r.text
    assert count(session, Case) == before
    # Filing anyway works; following instead subscribes.
    assert file_report(client, csrf, description="路灯又坏了", offset=0.0002, confirm_new="1").status_code == 303
    r = client.post(f"/reports/{first.id}/follow", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/reports/{first.id}"
    assert street.resident.id in notify.subscribers(session, "case", str(first.id))


def test_nearby_ignores_closed_and_old_reports(client: TestClient, street: Street, session: Session) -> None:
    now = street.clock.now()
    street.report("G1", "streetlight", at=now - timedelta(hours=73))
    lng, lat = factories.point_in("G1")
    login(client, session, street.resident)
    assert client.get(f"/report/nearby?category=streetlight&lat={lat}&lng={lng}").json()["items"] == []


# ---------------------------------------------------------------- follow-up, rating, following


def _resolve(client: TestClient, session: Session, street: Street, case: Case) -> None:
    client.cookies.clear()
    csrf = login(client, session, street.worker_g1)
    for action, note in (("accept", ""), ("resolve", "已更换灯泡")):
        r = client.post(f"/cases/{case.id}/act", data={"csrf_token": csrf, "action": action, "note": note},
                        follow_redirects=False)
        assert r.status_code == 303
    client.cookies.clear()


@pytest.mark.parametrize(("rating", "fixed", "status"), [("5", "yes", "closed"), ("2", "yes", "reopened"),
                                                          ("4", "no", "reopened")])
def test_rating_questionnaire_closes_or_reopens(client: TestClient, street: Street, session: Session,
                                                rating: str, fixed: str, status: str) -> None:
    case = street.report("G1")
    page_before = None
    csrf = login(client, session, street.resident)
    page_before = client.get(f"/cases/{case.id}").text
    assert "预计" in page_before and "前有人签收" in page_before  # expected time from the SLA clock
    _resolve(client, session, street, case)
    csrf = login(client, session, street.resident)
    page = client.get(f"/cases/{case.id}")
    assert 'name="fixed"' in page.text and "已处理完毕，请评价" in page.text
    r = client.post(f"/cases/{case.id}/act", data={"csrf_token": csrf, "action": "rate", "rating": rating,
                                                    "fixed": fixed, "note": "谢谢"}, follow_redirects=False)
    assert r.status_code == 303
    session.refresh(case)
    assert case.status == status and case.rating == int(rating) and case.rating_fixed is (fixed == "yes")
    if status == "reopened":
        assert case.reopen_count == 1 and case.accept_due_at is not None
        assert "不满意，已重新打开" in client.get(f"/cases/{case.id}").text
        reopened = session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "case.reopened")).all()
        assert reopened  # the assignee and supervisors hear of it


def test_followers_are_notified_of_status_changes(client: TestClient, street: Street, session: Session) -> None:
    case = street.report("G1")
    neighbour = factories.make_user(session, "neighbour", "resident", area_code="G1", now=street.clock.now())
    area_fan = factories.make_user(session, "area_fan", "resident", area_code="G3", now=street.clock.now())
    csrf = login(client, session, neighbour)
    assert client.post(f"/reports/{case.id}/follow", data={"csrf_token": csrf}).status_code == 200
    client.cookies.clear()
    csrf = login(client, session, area_fan)
    assert client.post("/my/areas", data={"csrf_token": csrf, "area_code": "C1"}).status_code == 200
    assert "宝石社区" in client.get("/my").text
    # A new report in C1 reaches the area's follower.
    second = street.report("G2", "garbage", description="垃圾没人收")
    to_fan = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == f"user:{area_fan.id}",
                                                         OutboxMessage.ref == f"case:{second.id}")).all()
    assert len(to_fan) == 1 and "垃圾" in to_fan[0].body
    _resolve(client, session, street, case)
    to_neighbour = session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient == f"user:{neighbour.id}", OutboxMessage.ref == f"case:{case.id}")).all()
    # accept: a status notice; resolve: the resolved notice (with the rating request).
    assert {m.topic for m in to_neighbour} == {"case.status", "case.resolved"}
    assert any("已签收" in m.subject for m in to_neighbour)
    client.cookies.clear()
    csrf = login(client, session, neighbour)
    assert f'data-followed-id="{case.id}"' in client.get("/my").text


# ---------------------------------------------------------------- public view and moderation


def test_public_view_hides_reporter_and_moderated_content(client: TestClient, street: Street,
                                                          session: Session) -> None:
    csrf = login(client, session, street.resident)
    case = case_from(file_report(client, csrf, description="物业那个混蛋不修灯", photos=[png()],
                                 anonymous="1"), session)
    [photo] = case_media.media_for(session, case.id)
    client.cookies.clear()
    public = client.get(f"/reports/{case.id}")
    assert public.status_code == 200 and "匿名居民" in public.text and "张三" not in public.text
    assert "13812345678" not in public.text and "物业那个混蛋不修灯" in public.text
    # The grid worker moderates from the case page: text and photo.
    csrf = login(client, session, street.worker_g1)
    assert 'action="/moderation/cases/' in client.get(f"/cases/{case.id}").text
    r = client.post(f"/moderation/cases/{case.id}/text", data={"csrf_token": csrf, "hide": "1"},
                    follow_redirects=False)
    assert r.status_code == 303  # no reason: refused with a flash
    session.refresh(case)
    assert not case.description_hidden
    client.post(f"/moderation/cases/{case.id}/text", data={"csrf_token": csrf, "hide": "1", "reason": "辱骂"})
    client.post(f"/moderation/media/{photo.id}", data={"csrf_token": csrf, "hide": "1", "reason": "含他人面部"})
    assert client.get(f"/media/{photo.id}").status_code == 200  # the moderator still sees it
    assert "物业那个混蛋不修灯" in client.get("/moderation").text
    steps = [e.data["action"] for e in audit.entries_for(session, "case", case.id)]
    assert steps[-2:] == ["hide_text", "hide_photo"]
    assert audit.verify(session).ok
    client.cookies.clear()
    public = client.get(f"/reports/{case.id}")
    assert "物业那个混蛋不修灯" not in public.text and "已被屏蔽" in public.text
    assert f"/media/{photo.id}" not in public.text
    assert client.get(f"/media/{photo.id}").status_code == 404
    # The reporter does not see the hidden photo either; a resident cannot moderate.
    csrf = login(client, session, street.resident)
    assert client.get(f"/media/{photo.id}").status_code == 404
    r = client.post(f"/moderation/media/{photo.id}", data={"csrf_token": csrf, "hide": "0"}, follow_redirects=False)
    session.refresh(photo)
    assert photo.hidden and r.status_code in (303, 403, 404)
    assert client.get("/moderation").status_code == 403


def test_internal_cases_have_no_public_page(client: TestClient, street: Street, session: Session) -> None:
    case = street.report("G1")
    case.source = "staff"
    session.flush()
    assert client.get(f"/reports/{case.id}").status_code == 404
    assert client.get("/reports/abc").status_code == 404


# ---------------------------------------------------------------- admin: category editor


def test_category_editor_validates_questions(client: TestClient, street: Street, session: Session) -> None:
    admin = factories.make_user(session, "admin1", "admin", area_code="D1", now=street.clock.now())
    csrf = login(client, session, street.resident)
    assert client.get("/admin/categories").status_code == 403
    client.cookies.clear()
    csrf = login(client, session, admin)
    assert "streetlight" in client.get("/admin/categories").text
    page = client.get("/admin/categories/streetlight")
    assert page.status_code == 200 and 'value="pole_number"' in page.text
    base = {"csrf_token": csrf, "name_zh": "路灯故障", "name_en": "Streetlight out", "unit_kind": "municipal",
            "default_priority": "P2", "public": "1", "is_active": "1",
            "q0_code": "pole_number", "q0_label": "灯杆编号", "q0_datatype": "string", "q0_order": "2",
            "q1_code": "lamp_kind", "q1_label": "灯的类型", "q1_label_en": "Kind of lamp",
            "q1_datatype": "singlevaluelist", "q1_required": "1", "q1_order": "1",
            "q1_values": "street=路灯=Street lamp\nyard=庭院灯"}
    r = client.post("/admin/categories/streetlight", data=base, follow_redirects=False)
    assert r.status_code == 303
    cat = session.scalars(select(Category).where(Category.code == "streetlight")).one()
    session.refresh(cat)
    assert [a["code"] for a in cat.attributes] == ["lamp_kind", "pole_number"]
    assert cat.attributes[0]["values"] == [{"key": "street", "name": "路灯", "name_en": "Street lamp"},
                                           {"key": "yard", "name": "庭院灯"}]
    for bad, message in (
        ({"q1_code": "Lamp Kind"}, "补充问题编码无效"),
        ({"q1_datatype": "picture"}, "类型无效"),
        ({"q1_values": ""}, "需要 1–50 个选项"),
        ({"q0_code": "lamp_kind"}, "补充问题编码重复"),
        ({"q0_values": "a=甲"}, "只有选择题可以设置选项"),
        ({"q1_label": ""}, "需要中文问题文字"),
        ({"q1_order": "x"}, "顺序须为 0–1000"),
    ):
        r = client.post("/admin/categories/streetlight", data=base | bad)
        assert r.status_code == 422 and message in r.text, bad
    session.refresh(cat)
    assert len(cat.attributes) == 2
    # The report form asks the new required question; a missing answer is refused.
    client.cookies.clear()
    csrf = login(client, session, street.resident)
    assert "灯的类型" in client.get("/report").text
    r = file_report(client, csrf)
    assert r.status_code == 422 and "请回答：灯的类型" in r.text
    case = case_from(file_report(client, csrf, **{"attr__streetlight__lamp_kind": "yard"}), session)
    assert case.attributes == {"lamp_kind": "yard"}
    assert cases.case_number(case).startswith("GZ")


# ---------------------------------------------------------------- more photos later, no-JS list, both languages


def test_reporter_adds_a_photo_later(client: TestClient, street: Street, session: Session) -> None:
    case = street.report("G1")
    csrf = login(client, session, street.resident)
    assert f'action="/cases/{case.id}/photos"' in client.get(f"/cases/{case.id}").text
    r = client.post(f"/cases/{case.id}/photos", data={"csrf_token": csrf},
                    files=[("photos", ("a.png", png(), "image/png"))], follow_redirects=False)
    assert r.status_code == 303
    assert len(case_media.media_for(session, case.id)) == 1
    r = client.post(f"/cases/{case.id}/photos", data={"csrf_token": csrf},
                    files=[("photos", ("a.gif", b"GIF89a....", "image/png"))])
    assert "只接受 JPEG、PNG 或 WebP" in r.text and len(case_media.media_for(session, case.id)) == 1
    steps = [e.data["action"] for e in audit.entries_for(session, "case", case.id)]
    assert steps.count("add_photo") == 1


def test_no_js_category_list_and_pages_in_both_languages(client: TestClient, street: Street,
                                                        session: Session) -> None:
    admin = factories.make_user(session, "admin1", "admin", area_code="D1", now=street.clock.now())
    csrf = login(client, session, street.resident)
    lng, lat = factories.point_in("G3")
    r = client.post("/report", data={"csrf_token": csrf, "category_choice": "garbage", "description": "垃圾",
                                     "lat": str(lat), "lng": str(lng)}, follow_redirects=False)
    case = case_from(r, session)
    assert session.get_one(Category, case.category_id).code == "garbage"
    from tests.web.test_pages import KEY_LEAK

    pages = {street.resident: ["/report", "/my", f"/cases/{case.id}", f"/reports/{case.id}"],
             admin: ["/moderation", "/admin/categories", "/admin/categories/elevator", f"/reports/{case.id}"]}
    for user, urls in pages.items():
        client.cookies.clear()
        login(client, session, user)
        for url in urls:
            for lang in ("zh", "en"):
                page = client.get(url, params={"lang": lang})
                assert page.status_code == 200, (url, lang)
                assert not KEY_LEAK.findall(page.text), (url, lang, KEY_LEAK.findall(page.text)[:3])
