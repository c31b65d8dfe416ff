"""Uploaded images: checked by content (not by name), shrunk, re-encoded (which drops EXIF/GPS data)."""

from __future__ import annotations

import io
import warnings

from django.conf import settings
from PIL import Image, UnidentifiedImageError

from cplatform import errors

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def normalize_image(upload, *, max_bytes: int, max_side: int, field: str) -> tuple[bytes, str]:
    """(bytes, content type) of a JPEG/PNG/WebP no larger than max_side. Raises PayloadTooLarge, UnsupportedMediaType."""
    if upload.size > max_bytes:
        raise errors.PayloadTooLarge(
            f"The image is larger than {max_bytes / (1024 * 1024):g} MB.", fields={field: ["Too large."]}
        )
    raw = upload.read()
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own limit; _refuse_huge decides with ours instead.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(raw))  # reads the header only
        with probe:
            image_format = probe.format
            _refuse_huge(probe.size, field)
            probe.verify()
        image = Image.open(io.BytesIO(raw))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise errors.UnsupportedMediaType(
            "The file is not a JPEG, PNG or WebP image.", fields={field: ["Not an image."]}
        ) from exc
    if image_format not in IMAGE_TYPES:
        raise errors.UnsupportedMediaType(
            "Only JPEG, PNG and WebP images are accepted.", fields={field: [f"{image_format} is not accepted."]}
        )
    image.thumbnail((max_side, max_side))
    if image_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format=image_format, quality=88)
    return out.getvalue(), IMAGE_TYPES[image_format]


def _refuse_huge(size: tuple[int, int], field: str) -> None:
    """Refuse a decompression bomb by its declared size, before a single pixel is decoded.

    A 640 KB PNG can declare 13,000 x 13,000 pixels: decoding it costs about 1.3 GB and seconds of
    CPU. No photo or cover needs more than IMAGE_MAX_PIXELS (40 megapixels by default).
    """
    width, height = size
    limit = settings.IMAGE_MAX_PIXELS
    if width * height > limit:
        raise errors.ValidationError(
            f"The image is {width:,} x {height:,} pixels; at most {limit / 1_000_000:g} megapixels are accepted. "
            "Please upload a smaller picture.",
            fields={field: ["Too many pixels."]},
            code="image_too_big",
        )
