"""Decoding one image's bytes with Pillow: its format by content, its size and mode as read, its EXIF
orientation applied, transparency put on white, its perceptual hash, and its pixels resized for the models.

JPEG, PNG and WebP are read; any other format (GIF, BMP, TIFF, …), a damaged or cut-off file is `Unreadable`
with the reason in words — listed in the report and left out, not a refusal of the upload. An image past the
pixel limit refuses the upload (`ImageTooManyPixels`): it is checked from the header, before decoding.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

import imagehash
import numpy as np
from PIL import Image, ImageOps

from workers.data.images.image_set import MODEL_SIZE
from workers.data.images.limits import DEFAULT_IMAGE_LIMITS, ImageLimits, ImageTooManyPixels

READ_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
# Pillow names some formats by a variant: many phone and camera JPEGs carry a second, smaller picture (MPO).
FORMAT_OF = {"MPO": "JPEG"}
# Modes whose pixels are grey levels (with or without alpha); any other mode is colour.
GREY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16L", "I;16B", "I;16N", "F"})
_ORIENTATION = 0x0112  # the EXIF tag
_TRANSPOSED = frozenset({5, 6, 7, 8})  # orientations that swap width and height
HASH_BASE = 4 * MODEL_SIZE  # pixels a side an image is box-reduced to (at least) before hashing and resizing


@dataclass(frozen=True)
class Decoded:
    """One readable image. `pixels` is (MODEL_SIZE, MODEL_SIZE) for grey, (MODEL_SIZE, MODEL_SIZE, 3) for
    colour, uint8; `width`/`height` as a viewer shows the image (after its EXIF orientation)."""

    pixels: np.ndarray
    width: int
    height: int
    mode: str
    format: str
    phash: int
    sha256: str

    @property
    def grey(self) -> bool:
        return self.pixels.ndim == 2


@dataclass(frozen=True)
class Unreadable:
    reason: str


def _flatten(image: Image.Image) -> Image.Image:
    """`image` as "L" (grey modes) or "RGB" (the rest): transparency composited on white, palette and CMYK
    converted, 16-bit and float grey scaled to 8 bits by Pillow."""
    grey = image.mode in GREY_MODES
    has_alpha = image.mode in ("RGBA", "LA", "La", "RGBa", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if has_alpha:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flat = Image.alpha_composite(white, rgba).convert("RGB")
        return flat.convert("L") if grey else flat
    if grey:
        if image.mode in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F"):
            # Pillow's convert("L") clips wide values at 255; scale the image's own range instead.
            array = np.asarray(image, dtype=np.float64)
            top = float(array.max()) if array.size else 0.0
            scaled = array * (255.0 / top) if top > 255 else array
            return Image.fromarray(np.clip(scaled, 0, 255).astype(np.uint8))
        return image.convert("L")
    return image.convert("RGB")


def decode_image(
    data: bytes, *, entry: str, zip_name: str, limits: ImageLimits = DEFAULT_IMAGE_LIMITS
) -> Decoded | Unreadable:
    """Decode one image's bytes, or say why it cannot be read. `ImageTooManyPixels` (from `limits`) for an
    image whose header declares more pixels than the server decodes."""
    sha = hashlib.sha256(data).hexdigest()
    with warnings.catch_warnings():
        # Our own pixel limit is checked from the header below; Pillow's warning would only be noise.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError as exc:  # past twice Pillow's own limit, before ours is asked
            raise ImageTooManyPixels(f"{entry} in {zip_name}: {exc}", field="file") from exc
        except Exception as exc:  # Pillow raises many types for what it cannot identify
            return Unreadable(f"not an image Pillow can read ({type(exc).__name__})")
        with image:
            fmt = FORMAT_OF.get(image.format or "", image.format or "unknown")
            if fmt not in READ_FORMATS:
                return Unreadable(f"{fmt} images are not read (JPEG, PNG and WebP are)")
            width, height = image.size
            limits.check_pixels(zip_name, entry, width=width, height=height)
            mode = image.mode
            try:
                orientation = int(image.getexif().get(_ORIENTATION, 1) or 1)
            except Exception:  # a damaged EXIF block: the image itself may still be fine
                orientation = 1
            if orientation in _TRANSPOSED:
                width, height = height, width
            try:
                # JPEG decodes at 1/2, 1/4 or 1/8 scale when that still covers what we need: a 4,000-pixel
                # photo then costs a 500-pixel decode.
                image.draft(image.mode, (MODEL_SIZE * 2, MODEL_SIZE * 2))
                image.load()
                upright = ImageOps.exif_transpose(image) or image
                flat = _flatten(upright)
                # Box-reduced to at least HASH_BASE a side first: pHash looks at 32×32 of it anyway, and on a
                # 1,600×1,200 photo hashing the full image took 125 ms of the 170 ms an image cost.
                factor = min(flat.size) // HASH_BASE
                base = flat.reduce(factor) if factor >= 2 else flat
                hashed = int(str(imagehash.phash(base)), 16)
                small = base.resize((MODEL_SIZE, MODEL_SIZE), Image.Resampling.BILINEAR, reducing_gap=2.0)
            except Exception as exc:  # truncated ("image file is truncated"), a bad chunk, a bad CRC
                return Unreadable(f"damaged or cut off ({str(exc)[:120] or type(exc).__name__})")
    return Decoded(
        pixels=np.asarray(small, dtype=np.uint8),
        width=int(width),
        height=int(height),
        mode=mode,
        format=fmt,
        phash=hashed,
        sha256=sha,
    )
