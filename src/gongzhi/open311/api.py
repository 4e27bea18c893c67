"""Open311 GeoReport v2 under /open311/v2 (XML and JSON).

Every path takes a format suffix (`services.xml`, `requests.json`); without one the answer is
JSON. Errors use the spec's list (`[{"code": 400, "description": "…"}]` / `<errors>`) in the
caller's language (`locale` or `lang` parameter, then Accept-Language; Chinese by default),
so this router answers its own errors instead of raising them to the app's JSON/HTML handlers.
Parameters are read as plain strings and checked by the service: a malformed value is the
spec's 400, never the framework's 422.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from gongzhi.cases.service import case_number
from gongzhi.errors import AppError
from gongzhi.http import NowDep, SessionDep
from gongzhi.i18n import pick_language, translate
from gongzhi.open311 import service
from gongzhi.open311.format import FORMATS, error_response, respond, split_format

router = APIRouter(prefix="/open311/v2", tags=["open311"])

# Largest upload read into memory; the media module applies its own (smaller) limit.
MAX_UPLOAD_BYTES = 12 * 1024 * 1024
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,40})\](\[\])?$")
_SPEC_STATUS = {400, 403, 404, 429}

Str = str | None
Locale = Annotated[Str, Query(description="回答所用语言 zh / en（默认中文） Answer language")]
Jurisdiction = Annotated[Str, Query(description="可省略；街道编号 Optional: the street's code")]


def _lang(request: Request, *extra: str | None) -> str:
    q = request.query_params
    return pick_language(
        *extra, q.get("locale"), q.get("lang"), accept_language=request.headers.get("accept-language")
    )


def _error(session: Session | None, fmt: str, lang: str, exc: AppError) -> Response:
    """The spec's error list; the transaction is rolled back, so nothing of the request is stored."""
    if session is not None:
        session.rollback()
    status = exc.status_code if exc.status_code in _SPEC_STATUS else (403 if exc.status_code == 401 else 400)
    return error_response(fmt, status, translate(exc.code, lang, **exc.params))


def _answer(
    request: Request,
    session: Session,
    fmt: str,
    root: str,
    build: Callable[[str], Any],
) -> Response:
    lang = _lang(request)
    if fmt.lower() not in FORMATS:
        return error_response("json", 404, translate("open311_unknown_format", lang))
    fmt = fmt.lower()
    if _has_nul(*request.query_params.values(), *map(str, request.path_params.values())):
        return error_response(fmt, 400, translate("value_not_storable", lang))
    try:
        return respond(fmt, root, build(lang), public=True)
    except AppError as exc:
        return _error(session, fmt, lang, exc)


def _has_nul(*values: str) -> bool:
    # PostgreSQL text cannot hold NUL: refuse it up front instead of failing inside a query.
    return any("\x00" in v for v in values)


def _params(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items()}


# ---------------------------------------------------------------- discovery and services


@router.get("/discovery.{fmt}", summary="服务发现 Discovery")
def discovery(
    fmt: str,
    request: Request,
    session: SessionDep,
    locale: Locale = None,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    def build(lang: str) -> Any:
        service.jurisdiction(session, jurisdiction_id)
        return service.discovery(session, str(request.base_url), lang)

    return _answer(request, session, fmt, "discovery", build)


@router.get("/discovery", include_in_schema=False)
def discovery_json(request: Request, session: SessionDep, jurisdiction_id: Jurisdiction = None) -> Response:
    return discovery("json", request, session, None, jurisdiction_id)


@router.get("/services.{fmt}", summary="服务（问题类别）列表 Service list")
def services(
    fmt: str,
    request: Request,
    session: SessionDep,
    locale: Locale = None,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    def build(lang: str) -> Any:
        service.jurisdiction(session, jurisdiction_id)
        return service.services(session, lang)

    return _answer(request, session, fmt, "services", build)


@router.get("/services", include_in_schema=False)
def services_json(request: Request, session: SessionDep, jurisdiction_id: Jurisdiction = None) -> Response:
    return services("json", request, session, None, jurisdiction_id)


@router.get("/services/{service_code}.{fmt}", summary="服务定义（附加问题） Service definition")
def service_definition(
    service_code: str,
    fmt: str,
    request: Request,
    session: SessionDep,
    locale: Locale = None,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    def build(lang: str) -> Any:
        service.jurisdiction(session, jurisdiction_id)
        return service.service_definition(session, service_code, lang)

    return _answer(request, session, fmt, "service_definition", build)


@router.get("/services/{service_code}", include_in_schema=False)
def service_definition_json(
    service_code: str, request: Request, session: SessionDep, jurisdiction_id: Jurisdiction = None
) -> Response:
    return service_definition(service_code, "json", request, session, None, jurisdiction_id)


# ---------------------------------------------------------------- reading requests


@router.get("/requests.{fmt}", summary="查询服务请求 Get service requests")
def get_requests(
    fmt: str,
    request: Request,
    session: SessionDep,
    now: NowDep,
    service_request_id: Annotated[
        Str, Query(description="逗号分隔；给出时忽略其余条件 Comma list; overrides the rest")
    ] = None,
    service_code: Annotated[Str, Query(description="逗号分隔 Comma list")] = None,
    start_date: Annotated[Str, Query(description="ISO 8601，默认 end_date 前 90 天")] = None,
    end_date: Annotated[Str, Query(description="ISO 8601，默认现在；与 start_date 最多相隔 90 天")] = None,
    status: Annotated[Str, Query(description="open / closed，可逗号分隔")] = None,
    locale: Locale = None,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    def build(lang: str) -> Any:
        query = service.parse_query(session, _params(request), now)
        return service.find_requests(session, query, lang, str(request.base_url))

    return _answer(request, session, fmt, "service_requests", build)


@router.get("/requests", include_in_schema=False)
def get_requests_json(request: Request, session: SessionDep, now: NowDep) -> Response:
    return get_requests("json", request, session, now)


@router.get("/requests/{service_request_id}.{fmt}", summary="查询单个服务请求 Get one service request")
def get_request(
    service_request_id: str,
    fmt: str,
    request: Request,
    session: SessionDep,
    locale: Locale = None,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    def build(lang: str) -> Any:
        within = service.jurisdiction(session, jurisdiction_id)
        return [service.get_request(session, service_request_id, lang, str(request.base_url), within)]

    return _answer(request, session, fmt, "service_requests", build)


@router.get("/requests/{service_request_id}", include_in_schema=False)
def get_request_json(
    service_request_id: str, request: Request, session: SessionDep, jurisdiction_id: Jurisdiction = None
) -> Response:
    name, fmt = split_format(service_request_id)
    return get_request(name, fmt or "json", request, session, None, jurisdiction_id)


@router.get("/tokens/{token}.{fmt}", summary="由 token 查询请求编号 Service request id from a token")
def get_token(
    token: str,
    fmt: str,
    request: Request,
    session: SessionDep,
    locale: Locale = None,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    def build(lang: str) -> Any:
        service.jurisdiction(session, jurisdiction_id)
        return [service.token_lookup(session, token)]

    return _answer(request, session, fmt, "service_requests", build)


@router.get("/tokens/{token}", include_in_schema=False)
def get_token_json(
    token: str, request: Request, session: SessionDep, jurisdiction_id: Jurisdiction = None
) -> Response:
    return get_token(token, "json", request, session, None, jurisdiction_id)


# ---------------------------------------------------------------- filing a request

_FIELD_NAMES = (
    "api_key",
    "jurisdiction_id",
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
)
_FORM_DOC: dict[str, Any] = {
    "requestBody": {
        "content": {
            content_type: {
                "schema": {
                    "type": "object",
                    "properties": {
                        **{name: {"type": "string"} for name in _FIELD_NAMES},
                        **({"media": {"type": "string", "format": "binary"}} if multipart else {}),
                    },
                    "required": ["service_code"],
                    "additionalProperties": {"type": "string"},
                }
            }
            for content_type, multipart in (
                ("application/x-www-form-urlencoded", False),
                ("multipart/form-data", True),
            )
        }
    }
}


def _collect(
    query: Mapping[str, str], pairs: list[tuple[str, str | UploadFile]]
) -> tuple[dict[str, str], dict[str, list[str]], list[UploadFile]]:
    """Fields (the body wins over the query string), attribute[CODE] / attribute[CODE][] answers, and files."""
    params: dict[str, str] = dict(query)
    attributes: dict[str, list[str]] = {}
    files: list[UploadFile] = []
    for key, value in pairs:
        if isinstance(value, UploadFile):
            if key == "media":
                files.append(value)
            continue
        m = _ATTRIBUTE.match(key)
        if m:
            attributes.setdefault(m.group(1), []).append(value)
        else:
            params[key] = value
    return params, attributes, files


def _submit(
    sessions: Callable[..., AbstractContextManager[Session]],
    fmt: str,
    lang: str,
    params: dict[str, str],
    attributes: dict[str, list[str]],
    uploads: list[service.Upload],
    now: Any,
) -> Response:
    """One transaction, opened only now that the body is in: a slow upload must not hold SQLite's
    single writer. It commits before the response is sent, so a 200 means the case is stored."""
    with sessions() as session:
        try:
            done = service.submit(
                session, params=params, attributes=attributes, uploads=uploads, now=now, lang=lang
            )
        except AppError as exc:
            return _error(session, fmt, lang, exc)
        body = [
            {
                "service_request_id": case_number(done.case),
                "service_notice": done.service_notice or None,
                "account_id": done.account_id or None,
                "token": done.token,
            }
        ]
    return respond(fmt, "service_requests", body, 200, public=True)


def _json_pairs(doc: Any) -> list[tuple[str, str | UploadFile]]:
    """A JSON object body (not in the spec, but some clients send one) as form pairs; an
    "attribute" object becomes attribute[CODE] / attribute[CODE][] pairs."""
    pairs: list[tuple[str, str | UploadFile]] = []
    if not isinstance(doc, dict):
        return pairs

    def text(v: Any) -> str | None:
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v) if isinstance(v, str | int | float) else None

    for key, value in doc.items():
        if key == "attribute" and isinstance(value, dict):
            for code, answer in value.items():
                for item in answer if isinstance(answer, list) else [answer]:
                    if (t := text(item)) is not None:
                        pairs.append((f"attribute[{code}][]", t))
        elif (t := text(value)) is not None:
            pairs.append((str(key), t))
    return pairs


def _raw_utf8(value: str) -> str:
    """Undo Starlette's Latin-1 reading of raw UTF-8 bytes in a url-encoded body (what `curl -d
    描述=…` and some clients send without percent-encoding); properly encoded text is left as it is."""
    if not any("\x80" <= ch <= "\xff" for ch in value) or any(ord(ch) > 0xFF for ch in value):
        return value
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        return value


@router.post("/requests.{fmt}", summary="提交服务请求 Create a service request", openapi_extra=_FORM_DOC)
async def post_request(fmt: str, request: Request, now: NowDep) -> Response:
    lang = _lang(request)
    if fmt.lower() not in FORMATS:
        return error_response("json", 404, translate("open311_unknown_format", lang))
    fmt = fmt.lower()
    form = FormData()
    body_pairs: list[tuple[str, str | UploadFile]]
    try:
        if request.headers.get("content-type", "").lower().startswith("application/json"):
            body_pairs = _json_pairs(await request.json())
        else:
            form = await request.form(max_files=service.MAX_UPLOADS + 1, max_fields=200)
            body_pairs = [(k, _raw_utf8(v) if isinstance(v, str) else v) for k, v in form.multi_items()]
    except Exception as exc:  # malformed multipart or JSON, too many parts: the client's fault, not a 500
        detail = str(getattr(exc, "detail", exc))[:200]
        return error_response(fmt, 400, translate("open311_bad_form", lang, detail=detail))
    query = {k: v for k, v in request.query_params.items() if not _ATTRIBUTE.match(k)}
    query_attrs = [(k, v) for k, v in request.query_params.multi_items() if _ATTRIBUTE.match(k)]
    params, attributes, files = _collect(query, [*query_attrs, *body_pairs])
    lang = _lang(request, params.get("locale"))
    if _has_nul(*params, *params.values(), *attributes, *(v for vs in attributes.values() for v in vs)):
        await form.close()
        return error_response(fmt, 400, translate("value_not_storable", lang))
    uploads = []
    for f in files:
        data = await f.read(MAX_UPLOAD_BYTES + 1)
        uploads.append(service.Upload(f.filename or "", f.content_type or "", data))
    await form.close()
    sessions = request.app.state.sessions
    return await run_in_threadpool(_submit, sessions, fmt, lang, params, attributes, uploads, now)


@router.post("/requests", include_in_schema=False)
async def post_request_json(request: Request, now: NowDep) -> Response:
    return await post_request("json", request, now)


@router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
def not_found(rest: str, request: Request) -> Response:
    """Anything else under /open311/v2: the spec's 404, not the site's HTML page."""
    _, fmt = split_format(rest)
    return error_response(fmt or "json", 404, translate("open311_not_found", _lang(request)))
