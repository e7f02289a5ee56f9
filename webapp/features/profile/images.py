"""Avatar images: checked with Pillow, cropped to a 256x256 square, re-encoded as PNG.

Re-encoding from pixels drops every piece of metadata (EXIF with GPS positions, ICC,
comments) and anything smuggled after the image data. The EXIF orientation is applied first
so phone photos are upright.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
SIZE = 256
MAX_PIXELS = 40_000_000  # refuse decompression bombs well before Pillow's own limit
ACCEPTED = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
OUTPUT_TYPE = "image/png"


class AvatarRejected(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def normalize_avatar(data: bytes) -> bytes:
    """The avatar to store (PNG bytes); raises AvatarRejected with a message for the user."""
    if not data:
        raise AvatarRejected("Choose an image to upload.")
    if len(data) > MAX_BYTES:
        raise AvatarRejected("Images can be at most 5 MB.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            width, height = probe.size
            if kind not in ACCEPTED:
                raise AvatarRejected("Upload a PNG, JPEG, GIF or WebP image.")
            if width * height > MAX_PIXELS:
                raise AvatarRejected("That image is too large. Use one under 40 megapixels.")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.seek(0)
            image.load()
            upright = ImageOps.exif_transpose(image)
            mode = "RGBA" if upright.mode in ("RGBA", "LA", "P", "PA") else "RGB"
            square = ImageOps.fit(upright.convert(mode), (SIZE, SIZE), Image.Resampling.LANCZOS)
    except AvatarRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError,
            SyntaxError):
        raise AvatarRejected("That file isn't an image we can read. Upload a PNG, JPEG, GIF "
                             "or WebP image.") from None
    clean = Image.new(square.mode, square.size)
    clean.paste(square)
    out = io.BytesIO()
    clean.save(out, format="PNG", optimize=True)
    return out.getvalue()
