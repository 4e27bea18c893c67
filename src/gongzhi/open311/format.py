"""GeoReport v2 bodies in JSON and XML, from one plain structure (dicts, lists, scalars).

JSON is the structure as is. XML follows the spec's examples: a root element, one child per list
item named by the singular of its list (`<services><service>…`), booleans as true/false, a missing
value as an empty element.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from typing import Any

from fastapi.responses import Response

FORMATS = ("json", "xml")
# A list element's name -> the name of each item in it (the spec's XML examples).
_ITEM_TAG = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "service_requests": "request",
    "errors": "error",
}
_MEDIA_TYPE = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def split_format(name: str) -> tuple[str, str | None]:
    """'services.xml' -> ('services', 'xml'); no suffix means JSON. An unknown suffix gives (name, None)."""
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        return name, "json"
    suffix = suffix.lower()
    return (stem, suffix) if suffix in FORMATS else (name, None)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    return str(value)


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        tag = _ITEM_TAG.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, tag), child)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, value)
    body: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body


def to_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def respond(fmt: str, root: str, value: Any, status_code: int = 200, *, public: bool = False) -> Response:
    body = to_xml(root, value) if fmt == "xml" else to_json(value)
    headers = {"Access-Control-Allow-Origin": "*"} if public else None
    return Response(body, status_code=status_code, media_type=_MEDIA_TYPE[fmt], headers=headers)


def error_response(fmt: str, status_code: int, description: str) -> Response:
    """The spec's error list: [{"code": 400, "description": "…"}] / <errors><error><code>…"""
    errors = [{"code": status_code, "description": description}]
    return respond(fmt, "errors", errors, status_code, public=True)
