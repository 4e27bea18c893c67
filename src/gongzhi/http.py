"""Request-scoped dependencies every module's api.py uses: the session, the clock, the language.

The session dependency has scope="function": its commit runs after the route returns and
before the response is sent, so a 2xx means the data is committed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from gongzhi.i18n import pick_language

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(request: Request) -> Iterator[Session]:
    readonly = request.method in SAFE_METHODS
    with request.app.state.sessions(readonly=readonly) as session:
        yield session


async def get_now(request: Request) -> datetime:
    # async: no thread-pool hop for reading the clock.
    now: datetime = request.app.state.clock.now()
    return now


def get_lang(request: Request) -> str:
    cached = getattr(request.state, "lang", None)
    if cached:
        return str(cached)
    lang = pick_language(
        request.query_params.get("lang"),
        request.cookies.get("lang"),
        accept_language=request.headers.get("accept-language"),
    )
    request.state.lang = lang
    return lang


async def _lang_dependency(request: Request) -> str:
    # async: FastAPI runs sync dependencies in the thread pool, a hop this one does not need.
    return get_lang(request)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
NowDep = Annotated[datetime, Depends(get_now)]
LangDep = Annotated[str, Depends(_lang_dependency)]
