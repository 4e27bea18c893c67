"""Case photos: sniffed, bounded, re-encoded without EXIF (so no GPS of a resident's home leaks).

The upload's name and declared content type are not trusted: Pillow reads the bytes and only
JPEG, PNG and WebP pass. The pixel count is checked from the header before anything is decoded
(decompression bombs), the image is rotated per its EXIF orientation, shrunk to at most
MAX_SIDE pixels and saved afresh with no metadata at all. Bytes are stored in the database
(see CaseMedia for why). Services flush, never commit.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from datetime import datetime

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongzhi.auth.models import User
from gongzhi.cases import messages  # noqa: F401  (registers the catalogue)
from gongzhi.cases.models import Case, CaseMedia
from gongzhi.errors import Invalid

# Limits. An upload larger than this is refused before decoding; a phone photo is 2–6 MB.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PHOTOS_PER_CASE = 3
# Decoded size limit: 50 MP covers every phone camera; a bomb declares far more.
MAX_PIXELS = 50_000_000
# Stored photos are shrunk to this longest side: enough to see a broken lamp, small to serve.
MAX_SIDE = 2048
JPEG_QUALITY = 85
ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_SAVE_OPTIONS: dict[str, dict[str, object]] = {
    "JPEG": {"quality": JPEG_QUALITY, "optimize": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": JPEG_QUALITY, "method": 4},
}


def _reencode(data: bytes) -> tuple[bytes, str, int, int]:
    """(new bytes, content type, width, height), or Invalid for anything that is not a sane photo."""
    if not data:
        raise Invalid("media_empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise Invalid("media_too_large", max_mb=MAX_UPLOAD_BYTES // (1024 * 1024))
    with warnings.catch_warnings():
        # Pillow warns (and past 2x raises) on huge images; make both a refusal, never a decode.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            opened = Image.open(io.BytesIO(data))
            img: Image.Image = opened
            fmt = opened.format or ""
            if fmt not in ALLOWED_FORMATS:
                raise Invalid("media_type_invalid")
            width, height = img.size
            if width < 1 or height < 1 or width * height > MAX_PIXELS:
                raise Invalid("media_too_many_pixels", max_mp=MAX_PIXELS // 1_000_000)
            img.seek(0)  # animated WebP/PNG: the first frame only
            img.load()
            img = ImageOps.exif_transpose(img)  # bake the orientation in before EXIF goes
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise Invalid("media_too_many_pixels", max_mp=MAX_PIXELS // 1_000_000) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            # Truncated or forged files fail while decoding: still a fake image, not a 500.
            raise Invalid("media_type_invalid") from None
    if fmt == "JPEG":
        img = img.convert("L" if img.mode in ("L", "1") else "RGB")
    elif img.mode not in ("RGB", "RGBA", "L", "LA"):
        img = img.convert("RGBA" if "transparency" in img.info or img.mode in ("PA", "P") else "RGB")
    img.thumbnail((MAX_SIDE, MAX_SIDE))
    # A fresh image carries no info dict: no EXIF, XMP, ICC text chunks or comments are written.
    clean = Image.frombytes(img.mode, img.size, img.tobytes())
    out = io.BytesIO()
    clean.save(out, format=fmt, **_SAVE_OPTIONS[fmt])
    return out.getvalue(), ALLOWED_FORMATS[fmt], clean.width, clean.height


def check_photo(data: bytes) -> None:
    """Validate without storing: lets a form refuse a bad photo before it creates the case."""
    _reencode(data)


def attach_photo(
    session: Session,
    case: Case,
    data: bytes,
    *,
    content_type: str | None,
    actor: User | None,
    now: datetime,
) -> CaseMedia:
    """Store one photo for the case. `content_type` is the client's claim, recorded nowhere and
    never trusted; the bytes decide."""
    del content_type  # deliberately ignored: see the docstring
    count = session.scalar(select(func.count()).select_from(CaseMedia).where(CaseMedia.case_id == case.id)) or 0
    if count >= MAX_PHOTOS_PER_CASE:
        raise Invalid("media_too_many", max=MAX_PHOTOS_PER_CASE)
    stored, mime, width, height = _reencode(data)
    media = CaseMedia(
        case_id=case.id,
        created_at=now,
        uploaded_by_id=actor.id if actor is not None else None,
        content_type=mime,
        width=width,
        height=height,
        size=len(stored),
        sha256=hashlib.sha256(stored).hexdigest(),
        source_sha256=hashlib.sha256(data).hexdigest(),
        data=stored,
        hidden=False,
    )
    session.add(media)
    session.flush()
    return media


def media_for(session: Session, case_id: int, *, include_hidden: bool = False) -> list[CaseMedia]:
    """The case's photos in upload order; moderated ones only when asked (staff views)."""
    stmt = select(CaseMedia).where(CaseMedia.case_id == case_id).order_by(CaseMedia.id)
    if not include_hidden:
        stmt = stmt.where(CaseMedia.hidden.is_(False))
    return list(session.scalars(stmt))


def get_media(session: Session, media_id: int) -> CaseMedia | None:
    return session.get(CaseMedia, media_id)


def media_path(media: CaseMedia | int) -> str:
    """The photo's URL path (served by the page route GET /media/{id}); prefix the site's base URL."""
    media_id = media if isinstance(media, int) else media.id
    return f"/media/{media_id}"
