"""The admin page for Open311 client applications (issue a key once, revoke it)."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from tests import factories

from gongzhi.open311.models import Open311Client
from gongzhi.web import open311_pages

from .conftest import World311


@pytest.fixture(autouse=True)
def _mounted(app: FastAPI) -> None:
    # Until the lead adds the module to web.pages.mount.
    if not any(getattr(r, "path", "") == "/admin/open311" for r in app.routes):
        app.include_router(open311_pages.router)


def test_admin_issues_a_key_that_works_then_revokes_it(w: World311) -> None:
    csrf = factories.login_cookie(w.client, w.session, w.admin)
    page = w.client.get("/admin/open311")
    assert page.status_code == 200 and "城市通 App" in page.text and w.key not in page.text

    r = w.client.post("/admin/open311/keys", data={"csrf_token": csrf, "name": "12345 热线", "limit": "50"})
    assert r.status_code == 200, r.text
    m = re.search(r'<code id="new-key-value">([^<]+)</code>', r.text)
    assert m is not None
    key = m.group(1)
    client = w.session.scalars(select(Open311Client).where(Open311Client.name == "12345 热线")).one()
    assert client.rate_limit_per_hour == 50 and key not in client.key_hash
    assert w.post(key=key).status_code == 200
    # Shown once: the list never shows it again.
    assert key not in w.client.get("/admin/open311").text

    r = w.client.post(
        f"/admin/open311/keys/{client.id}/revoke", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    assert "已吊销" in w.client.get("/admin/open311").text
    assert w.post(key=key).status_code == 403


def test_bad_input_and_permissions(w: World311) -> None:
    csrf = factories.login_cookie(w.client, w.session, w.admin)
    r = w.client.post("/admin/open311/keys", data={"csrf_token": csrf, "name": "", "limit": "10"})
    assert r.status_code == 422 and "名称" in r.text
    r = w.client.post("/admin/open311/keys", data={"csrf_token": csrf, "name": "x", "limit": "-1"})
    assert r.status_code == 422
    assert w.client.post("/admin/open311/keys", data={"name": "no csrf"}).status_code == 403
    assert len(w.session.scalars(select(Open311Client)).all()) == 1

    w.client.cookies.clear()
    factories.login_cookie(w.client, w.session, w.worker_g1)
    assert w.client.get("/admin/open311").status_code == 403
