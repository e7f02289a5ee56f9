"""Organization logos: any common image, stored as a PNG of at most 256 by 256 pixels in the
``images`` bucket (re-encoding drops metadata and anything that is not pixels)."""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

from webapp.storage.base import new_id
from webapp.storage.files import FileStore

from .errors import FieldErrors

BUCKET = "images"
MAX_UPLOAD = 5 * 1024 * 1024
MAX_SIDE = 256
MAX_PIXELS = 40_000_000
FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}


def normalize_logo(data: bytes) -> bytes:
    """A PNG thumbnail of ``data``; raises FieldErrors on ``logo`` for anything else."""
    if not data:
        raise FieldErrors({"logo": "Choose an image file."})
    if len(data) > MAX_UPLOAD:
        raise FieldErrors({"logo": "Use an image of at most 5 MB."})
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in FORMATS:
                raise FieldErrors({"logo": "Use a PNG, JPEG, GIF or WebP image."})
            if probe.width * probe.height > MAX_PIXELS:
                raise FieldErrors({"logo": "This image is too large."})
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.seek(0)
            picture = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise FieldErrors({"logo": "This file is not an image Keel can read."}) from None
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    return out.getvalue()


def store_logo(files: FileStore, data: bytes) -> str:
    """Normalize and store a logo; returns its file id."""
    return save_png(files, normalize_logo(data))


def save_png(files: FileStore, png: bytes) -> str:
    """Store an already normalized logo; returns its file id."""
    file_id = new_id("logo")[:36]
    files.put(BUCKET, file_id, png, "image/png", "logo.png")
    return file_id
