"""Resident reporting end to end in Debian's Chromium on a phone-sized viewport: file a report with
a photo, get the duplicate suggestion for a second report nearby and follow it instead, and rate the
first one after the grid worker resolved it. Same live server and offline guard as test_browser."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select
from tests import factories
from tests.web.test_browser import ARTIFACTS, Live, _context, _login, _logout, browser, live

from gongzhi.cases.models import Case, CaseMedia
from gongzhi.notify import service as notify

pytestmark = pytest.mark.browser
__all__ = ["browser", "live"]  # the fixtures, shared with test_browser.py

PHONE = {"width": 390, "height": 844}


def _photo_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (30.0, 15.0, 12.5), 3: "E", 4: (120.0, 12.0, 1.0)}
    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), (240, 200, 40)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_report_with_photo_duplicate_suggestion_and_rating(browser: object, live: Live) -> None:
    lng, lat = factories.point_in("G1")
    # A spot in G1 away from the background cases' point, so only our own report is "nearby".
    lat += 0.0015
    with live.db.session() as s:
        factories.make_user(s, "neighbour1", "resident", area_code="G1", now=live.clock.now(),
                            display_name="邻居")
    ctx, guard = _context(browser, live, viewport=PHONE, geolocation={"latitude": lat, "longitude": lng,
                                                                      "accuracy": 8},
                          permissions=["geolocation"])
    page = ctx.new_page()  # type: ignore[attr-defined]

    # 1. The resident files a streetlight report: icon tile, phone location, text, one photo.
    _login(page, live, "resident1", then="/report")
    page.click("label.cat-tile:has(input[value=streetlight])")
    assert page.is_visible("[data-attr-category='streetlight']")
    page.click("#locate")
    page.wait_for_function("document.getElementById('lat').value !== ''")
    assert page.is_visible("#pin-marker")
    page.fill("#description", "幸福路12号门口的路灯整晚不亮")
    page.set_input_files("#photos", files=[{"name": "lamp.jpg", "mimeType": "image/jpeg",
                                            "buffer": _photo_with_gps()}])
    assert page.locator("#photo-previews img").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-form-390x844.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.click("#submit-report")
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    case_id = int(page.url.rsplit("/", 1)[1])
    assert "已提交" in page.inner_text(".flash")
    photo = page.locator("#case-photos img").first
    photo.scroll_into_view_if_needed()  # lazy-loaded: bring it on screen, then wait for the decode
    assert photo.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    assert "您的上报已登记" in page.inner_text("#timeline")
    _logout(page)

    # 2. A neighbour starts a second report of the same kind at the same spot: the form offers
    #    the open report nearby, and they follow it instead of filing a duplicate.
    _login(page, live, "neighbour1", then="/report")
    page.click("label.cat-tile:has(input[value=streetlight])")
    page.click("#locate")
    suggestion = page.locator(f"#nearby-live [data-nearby-id='{case_id}']")
    suggestion.wait_for()
    assert "约" in suggestion.inner_text() and "米" in suggestion.inner_text()
    page.screenshot(path=str(ARTIFACTS / "report-duplicate-390x844.png"), full_page=True)
    suggestion.locator("button[type=submit]").click()
    page.wait_for_url(f"{live.url}/reports/{case_id}")
    assert "已关注上报" in page.inner_text(".flash")
    assert "匿名居民" not in page.inner_text("main") and "张*" in page.inner_text("main")
    _logout(page)

    # 3. The grid worker accepts and resolves it on the case page.
    _login(page, live, "worker_g1")
    page.goto(f"{live.url}/cases/{case_id}")
    page.click("form:has(input[name=action][value=accept]) button[type=submit]")
    page.wait_for_load_state()
    page.fill("#note-resolve", "已更换灯泡，恢复照明")
    page.click("form:has(input[name=action][value=resolve]) button[type=submit]")
    page.wait_for_load_state()
    assert page.inner_text("#case-status") == "已办结"
    _logout(page)

    # 4. The resident answers the questionnaire: 5 stars, fixed.
    _login(page, live, "resident1")
    page.goto(f"{live.url}/cases/{case_id}")
    assert "已处理完毕，请评价" in page.inner_text("#timeline")
    page.click("label[for=star-5]")
    page.check("input[name=fixed][value=yes]")
    page.fill("#note-rate", "很快就修好了，谢谢")
    page.screenshot(path=str(ARTIFACTS / "report-rate-390x844.png"), full_page=True)
    page.click("form:has(input[name=action][value=rate]) button[type=submit]")
    page.wait_for_load_state()
    assert page.inner_text("#case-status") == "已关闭"
    assert "居民评价 5 星" in page.inner_text("#timeline")

    with live.db.session(readonly=True) as s:
        case = s.get_one(Case, case_id)
        assert case.status == "closed" and case.rating == 5 and case.rating_fixed is True
        media = s.scalars(select(CaseMedia).where(CaseMedia.case_id == case_id)).all()
        assert len(media) == 1 and Image.open(io.BytesIO(media[0].data)).getexif().get_ifd(0x8825) == {}
        # Only one streetlight report at that spot: the neighbour followed instead of filing.
        assert len(s.scalars(select(Case).where(Case.category_id == case.category_id)).all()) == 1
        neighbour = s.scalars(select(factories.User).where(factories.User.username == "neighbour1")).one()
        assert neighbour.id in notify.subscribers(s, "case", str(case_id))
    assert guard.blocked == []
    ctx.close()  # type: ignore[attr-defined]
