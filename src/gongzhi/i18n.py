"""Message catalogues: Simplified Chinese first, English for every key.

Each module registers its own keys at import (`register({...})`); a key missing from the
English catalogue is a test failure (tests/test_i18n.py), not a silent fallback.
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

_CATALOGUE: dict[str, dict[str, str]] = {"zh": {}, "en": {}}


def register(messages: dict[str, tuple[str, str]]) -> None:
    """messages: key -> (zh, en). Re-registering a key with other text is a bug."""
    for key, (zh, en) in messages.items():
        old = _CATALOGUE["zh"].get(key)
        if old is not None and old != zh:
            raise ValueError(f"i18n key {key!r} registered twice with different text")
        _CATALOGUE["zh"][key] = zh
        _CATALOGUE["en"][key] = en


def translate(key: str, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    cat = _CATALOGUE.get(lang) or _CATALOGUE[DEFAULT_LANGUAGE]
    text = cat.get(key) or _CATALOGUE[DEFAULT_LANGUAGE].get(key) or key
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def has(key: str) -> bool:
    return key in _CATALOGUE["zh"]


def keys(lang: str) -> set[str]:
    return set(_CATALOGUE[lang])


def pick_language(*candidates: str | None, accept_language: str | None = None) -> str:
    """First explicit choice wins (query, cookie, user setting), then Accept-Language, then Chinese."""
    for c in candidates:
        if c:
            c = c.lower()[:2]
            if c in LANGUAGES:
                return c
    if accept_language:
        for part in accept_language.split(","):
            tag = part.split(";")[0].strip().lower()[:2]
            if tag in LANGUAGES:
                return tag
    return DEFAULT_LANGUAGE


# Messages shared by every module (errors raised by the web layer itself).
register(
    {
        "validation_error": ("请求参数有误：{detail}", "Invalid request: {detail}"),
        "not_found": ("未找到该资源", "Not found"),
        "method_not_allowed": ("不支持该请求方法", "Method not allowed"),
        "unauthorized": ("请先登录", "Please log in first"),
        "forbidden": ("无权执行此操作", "You are not allowed to do this"),
        "internal_error": ("服务器内部错误，请稍后重试", "Internal server error, please try again later"),
        "conflict": ("操作与当前状态冲突", "The action conflicts with the current state"),
        "csrf_failed": (
            "表单已过期，请刷新页面后重试",
            "The form has expired; reload the page and try again",
        ),
        "too_many_requests": ("请求过于频繁，请稍后再试", "Too many requests, please try again later"),
        "payload_too_large": ("请求内容过大", "Request body too large"),
        "value_not_storable": (
            "提交的内容含有无法保存的字符或数值（如空字符）",
            "The request contains a character or number that cannot be stored (such as a NUL byte)",
        ),
    }
)
