"""Shared page helpers: the Jinja environment, `t()`, times in Shanghai, countdowns, flash messages.

Templates get `t(key, **params)` translated into the request's language, `static(path)` with a
content hash for cache busting, and the layout context (user, nav, CSRF token, flash).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context

from gongzhi.auth.models import User
from gongzhi.clock import local_time, utc
from gongzhi.http import get_lang
from gongzhi.i18n import has, translate
from gongzhi.web import messages  # noqa: F401  (registers the catalogue)

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATE_DIR = HERE / "templates"
FLASH_COOKIE = "gz_flash"
# Everything comes from this server: scripts only from our own files (the map's figure is JSON
# data, not code), no frames, forms post only here. Plotly and the colour swatches need inline styles.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
LANG_COOKIE = "lang"

# Roles that work cases (a queue); supervisors also get the map.
WORKER_ROLES = frozenset({"grid_worker", "dept_staff", "mediator", "doctor", "volunteer", "council_member"})
SUPERVISOR_ROLES = frozenset({"admin", "official"})
MAP_ROLES = SUPERVISOR_ROLES | {"grid_worker"}


@dataclass(frozen=True)
class Viewer:
    """What the layout shows of the signed-in person, copied when they are authenticated: an error
    page is rendered after the request's session has rolled back and can no longer load the User."""

    id: int
    username: str
    display_name: str
    role: str

    @classmethod
    def of(cls, user: User) -> Viewer:
        return cls(id=user.id, username=user.username, display_name=user.display_name, role=user.role)


@dataclass(frozen=True)
class NavItem:
    href: str
    key: str


# Each role's menu, first what they do most; every page also checks access itself.
_NAV: dict[str, tuple[tuple[str, str], ...]] = {
    "resident": (("/home", "home"), ("/report", "report"), ("/my", "my"), ("/mediation", "mediation"),
                 ("/councils", "councils"), ("/ballots", "ballots"), ("/volunteers", "volunteers")),
    "volunteer": (("/home", "home"), ("/volunteers", "volunteers"), ("/queue", "queue"), ("/report", "report")),
    "mediator": (("/home", "home"), ("/mediation", "mediation"), ("/queue", "queue")),
    "doctor": (("/home", "home"), ("/eldercare", "eldercare"), ("/queue", "queue")),
    "council_member": (("/home", "home"), ("/councils", "councils"), ("/queue", "queue")),
    "grid_worker": (("/home", "home"), ("/queue", "queue"), ("/dashboard", "dashboard"), ("/map", "map"),
                    ("/citybrain", "citybrain"), ("/eldercare", "eldercare"), ("/mediation", "mediation"),
                    ("/moderation", "moderation"), ("/households", "households")),
    "dept_staff": (("/home", "home"), ("/queue", "queue"),),
    "official": (("/home", "home"), ("/dashboard", "dashboard"), ("/queue", "queue"), ("/map", "map"),
                 ("/citybrain", "citybrain"), ("/mediation", "mediation"), ("/eldercare", "eldercare"),
                 ("/councils", "councils"), ("/ballots", "ballots"), ("/volunteers", "volunteers"),
                 ("/moderation", "moderation"), ("/monthly-report", "monthly_report")),
    "admin": (("/home", "home"), ("/dashboard", "dashboard"), ("/queue", "queue"), ("/map", "map"),
              ("/citybrain", "citybrain"), ("/mediation", "mediation"), ("/eldercare", "eldercare"),
              ("/councils", "councils"), ("/ballots", "ballots"), ("/volunteers", "volunteers"),
              ("/moderation", "moderation"), ("/monthly-report", "monthly_report"),
              ("/admin/categories", "categories"), ("/admin/open311", "open311")),
}


def nav_for(user: Viewer | None) -> list[NavItem]:
    if user is None:
        return [NavItem("/login", "web.nav.login")]
    items = _NAV.get(user.role, (("/queue", "queue"),))
    return [NavItem(href, f"web.nav.{key}") for href, key in items]


# Where each role lands after logging in: /home (web/dashboard_pages.py) shows each role its own work first.
_HOME = {role: "/home" for role in ("resident", "volunteer", "mediator", "doctor", "council_member", "grid_worker",
                                    "dept_staff", "official", "admin")}


def home_for(user: User | Viewer) -> str:
    return _HOME.get(user.role, "/queue")


# ---------------------------------------------------------------- time


def span_text(seconds: float, lang: str) -> str:
    """Whole minutes, rounded down: 4800 s -> 1小时20分."""
    minutes = max(int(seconds // 60), 0)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return translate("web.span.dh", lang, d=days, h=hours)
    if hours:
        return translate("web.span.hm", lang, h=hours, m=mins)
    return translate("web.span.m", lang, m=mins)


def countdown_text(deadline: datetime, now: datetime, lang: str) -> str:
    left = (utc(deadline) - utc(now)).total_seconds()
    if left < 0:
        return translate("web.countdown.over", lang, span=span_text(-left, lang))
    return translate("web.countdown.left", lang, span=span_text(left, lang))


def iso(value: datetime) -> str:
    return utc(value).isoformat().replace("+00:00", "Z")


# ---------------------------------------------------------------- flash (one message across a redirect)


def set_flash(response: Response, key: str, *, error: bool = False, **params: Any) -> None:
    payload = json.dumps({"k": key, "e": error, "p": params}, ensure_ascii=False).encode()
    response.set_cookie(FLASH_COOKIE, base64.urlsafe_b64encode(payload).decode(), max_age=120, httponly=True,
                        samesite="lax", path="/")


def read_flash(request: Request) -> tuple[str, bool, dict[str, Any]] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(raw.encode()))
        key, error, params = str(data["k"]), bool(data["e"]), dict(data["p"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    # Only our own catalogue keys: a forged cookie cannot put arbitrary text on a page.
    if not key.startswith("web.flash.") or not has(key):
        return None
    return key, error, {k: str(v)[:200] for k, v in params.items()}


# ---------------------------------------------------------------- the environment


@lru_cache(maxsize=64)
def _file_hash(path: str) -> str:
    return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:10]


def static_url(path: str) -> str:
    return f"/static/{path}?v={_file_hash(path)}"


@pass_context
def _t(ctx: Context, key: str, **params: Any) -> str:
    return translate(key, str(ctx.get("lang", "zh")), **params)


def _make_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["t"] = _t
    env.globals["static"] = static_url
    env.filters["localtime"] = local_time
    env.filters["iso"] = iso
    return env


ENV = _make_env()


def now_of(request: Request) -> datetime:
    now: datetime = request.app.state.clock.now()
    return now


def render(request: Request, template: str, context: dict[str, Any] | None = None, *,
           status_code: int = 200, anonymous: bool = False) -> HTMLResponse:
    lang = get_lang(request)
    user: Viewer | None = None if anonymous else getattr(request.state, "viewer", None)
    flash = read_flash(request)
    now = now_of(request)
    ctx: dict[str, Any] = {
        "request": request,
        "lang": lang,
        "user": user,
        "nav": nav_for(user),
        "path": request.url.path,
        "csrf_token": getattr(request.state, "csrf_token", None) or "",
        "flash": flash,
        "now": now,
        "now_iso": iso(now),
        "lang_switch_url": lang_switch_url(request, lang),
        "errors": [],
    }
    ctx.update(context or {})
    html = ENV.get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status_code)
    # Pages show personal data: never store them in shared caches.
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(SECURITY_HEADERS)
    if flash is not None:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def lang_switch_url(request: Request, lang: str) -> str:
    other = "en" if lang == "zh" else "zh"
    here = request.url.path
    # A ?lang= in the address would outvote the cookie the switch sets.
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "lang"])
    if query:
        here += "?" + query
    return f"/lang/{other}?next={quote(here, safe='')}"


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: '/x' but not '//evil.example' or 'https://…' (open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def redirect(url: str, status_code: int = 303) -> RedirectResponse:
    return RedirectResponse(url, status_code=status_code)
