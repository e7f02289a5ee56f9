"""Workspace images: validated with Pillow, squared and resized to PNG in the images bucket."""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

from webapp.features.workspaces.errors import FieldErrors
from webapp.storage.base import new_id

BUCKET = "images"
MAX_UPLOAD = 5 * 1024 * 1024
SIZE = 256


def store_image(files: object, data: bytes, field: str = "image") -> str:
    """Validate ``data`` as an image, store a 256x256 PNG, return its file id."""
    if not data:
        raise FieldErrors({field: "Choose an image file."})
    if len(data) > MAX_UPLOAD:
        raise FieldErrors({field: "Use an image of at most 5 MB."})
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in ("PNG", "JPEG", "GIF", "WEBP"):
                raise FieldErrors({field: "Use a PNG, JPEG, GIF or WebP image."})
            picture = img.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise FieldErrors({field: "This file is not an image we can read."}) from None
    side = min(picture.size)
    left = (picture.width - side) // 2
    top = (picture.height - side) // 2
    picture = picture.crop((left, top, left + side, top + side)).resize((SIZE, SIZE))
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    file_id = new_id("wsi")
    files.put(BUCKET, file_id, out.getvalue(), "image/png", "workspace.png")  # type: ignore[attr-defined]
    return file_id
