"""Avatar images: decoded with Pillow to prove they are what they claim, then
re-encoded (which drops EXIF, GPS included) and bounded in size."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from bookwell.errors import ValidationFailed

ALLOWED_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
# Pillow calls a JPEG with extra pictures (MPF: phones' HDR gain maps, depth maps) "MPO";
# it is a JPEG, and its first picture is the photo.
FORMAT_ALIASES = {"MPO": "JPEG"}
# Of the decoder's metadata, only what is part of the picture itself is written back.
KEEP_INFO = {"transparency"}
MAX_SIDE = 1024
MAX_PIXELS = 40_000_000


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    data: bytes
    extension: str
    content_type: str


def _not_an_image(reason: str) -> ValidationFailed:
    return ValidationFailed.on("avatar", reason, "INVALID_IMAGE")


def _upright(picture: Image.Image) -> Image.Image:
    """EXIF is dropped on re-encoding, so its Orientation is applied to the pixels first.
    Unreadable EXIF tells no orientation: the picture is kept as it is."""
    try:
        return ImageOps.exif_transpose(picture)
    except Exception:
        return picture


def process_avatar(raw: bytes) -> ProcessedImage:
    """Decode the upload fully; refuse anything that is not a JPEG, PNG or WebP image."""
    if not raw:
        raise _not_an_image("The file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                image_format = FORMAT_ALIASES.get(probe.format or "", probe.format or "")
                if image_format not in ALLOWED_FORMATS:
                    raise _not_an_image("Only JPEG, PNG and WebP images are accepted")
                if probe.width * probe.height > MAX_PIXELS:
                    raise _not_an_image("The image has too many pixels")
                probe.verify()
            with Image.open(io.BytesIO(raw)) as image:
                image.load()
                picture = image.copy()
    except ValidationFailed:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombWarning,
        Image.DecompressionBombError,
    ):
        raise _not_an_image("The file is not a readable JPEG, PNG or WebP image") from None
    picture = _upright(picture)
    # Some encoders copy metadata from `info` (a JPEG's comment): keep none of it.
    picture.info = {k: v for k, v in picture.info.items() if k in KEEP_INFO}
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    extension, content_type = ALLOWED_FORMATS[image_format]
    if image_format == "JPEG" and picture.mode not in ("RGB", "L"):
        picture = picture.convert("RGB")
    out = io.BytesIO()
    picture.save(out, format=image_format, quality=88)
    return ProcessedImage(out.getvalue(), extension, content_type)
