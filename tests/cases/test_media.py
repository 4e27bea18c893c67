"""Case photos: only real JPEG/PNG/WebP, bounded, re-encoded with EXIF (GPS) gone, at most 3."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image

from gongzhi.cases import media
from gongzhi.cases.models import CaseMedia
from gongzhi.errors import Invalid

from .conftest import World


def jpeg_with_gps(size: tuple[int, int] = (1200, 800)) -> bytes:
    img = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = 6  # orientation: rotate 90° on display
    exif[0x8825] = {1: "N", 2: (30.0, 15.0, 12.5), 3: "E", 4: (120.0, 12.0, 1.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def image_bytes(fmt: str, size: tuple[int, int] = (64, 48), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, fmt)
    return out.getvalue()


def test_jpeg_is_reencoded_without_exif_and_rotated(world: World) -> None:
    case = world.report()
    raw = jpeg_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(0x8825)  # the upload does carry GPS
    m = media.attach_photo(world.session, case, raw, content_type="image/jpeg", actor=world.resident, now=world.now)
    stored = Image.open(io.BytesIO(m.data))
    assert stored.format == "JPEG" and m.content_type == "image/jpeg"
    assert dict(stored.getexif()) == {} and "exif" not in stored.info
    assert (m.width, m.height) == (800, 1200) == stored.size  # orientation baked in
    assert m.sha256 == hashlib.sha256(m.data).hexdigest()
    assert m.source_sha256 == hashlib.sha256(raw).hexdigest() and m.data != raw
    assert media.media_for(world.session, case.id) == [m]
    assert media.media_path(m) == f"/media/{m.id}"


@pytest.mark.parametrize(("fmt", "mime", "mode"), [("PNG", "image/png", "RGBA"), ("WEBP", "image/webp", "RGB")])
def test_png_and_webp_keep_their_format(world: World, fmt: str, mime: str, mode: str) -> None:
    case = world.report()
    m = media.attach_photo(world.session, case, image_bytes(fmt, mode=mode), content_type=None, actor=None,
                           now=world.now)
    assert m.content_type == mime and Image.open(io.BytesIO(m.data)).format == fmt


def test_large_photo_is_shrunk(world: World) -> None:
    case = world.report()
    m = media.attach_photo(world.session, case, image_bytes("JPEG", (4000, 3000)), content_type="image/jpeg",
                           actor=None, now=world.now)
    assert max(m.width, m.height) == media.MAX_SIDE


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "media_empty"),
        (b"<html>not a photo</html>", "media_type_invalid"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 200, "media_type_invalid"),  # JPEG magic, garbage body
        (image_bytes("GIF"), "media_type_invalid"),
        (image_bytes("BMP"), "media_type_invalid"),
        (image_bytes("JPEG")[:120], "media_type_invalid"),  # truncated
    ],
)
def test_fake_images_are_refused(world: World, data: bytes, code: str) -> None:
    case = world.report()
    with pytest.raises(Invalid) as err:
        # The claimed content type is a lie; the bytes decide.
        media.attach_photo(world.session, case, data, content_type="image/jpeg", actor=None, now=world.now)
    assert err.value.code == code
    assert media.media_for(world.session, case.id, include_hidden=True) == []


def test_oversize_upload_is_refused_before_decoding(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    case = world.report()
    monkeypatch.setattr(media, "MAX_UPLOAD_BYTES", 1000)
    with pytest.raises(Invalid) as err:
        media.attach_photo(world.session, case, image_bytes("PNG", (400, 400)) + b"\x00" * 1000,
                           content_type="image/png", actor=None, now=world.now)
    assert err.value.code == "media_too_large"


def test_decompression_bomb_is_refused(world: World) -> None:
    # A small PNG that declares 20000 x 20000 pixels: refused from the header, never decoded.
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")
    bomb = out.getvalue()
    assert len(bomb) < media.MAX_UPLOAD_BYTES
    case = world.report()
    with pytest.raises(Invalid) as err:
        media.attach_photo(world.session, case, bomb, content_type="image/png", actor=None, now=world.now)
    assert err.value.code == "media_too_many_pixels"


def test_at_most_three_photos(world: World) -> None:
    case = world.report()
    for _ in range(3):
        media.attach_photo(world.session, case, image_bytes("PNG"), content_type=None, actor=None, now=world.now)
    with pytest.raises(Invalid) as err:
        media.attach_photo(world.session, case, image_bytes("PNG"), content_type=None, actor=None, now=world.now)
    assert err.value.code == "media_too_many"
    assert world.session.query(CaseMedia).filter_by(case_id=case.id).count() == 3
