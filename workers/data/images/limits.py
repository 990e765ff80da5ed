"""Limits on what a zip of images may expand to, and the refusals of a zip that is unsafe to read.

A zip's size says little about the work it makes: a 42 KB zip can declare petabytes (a zip bomb), a small
PNG can declare 50,000 × 50,000 pixels (a decompression bomb), and an entry can be named `../../etc/x`.
Every limit is checked before the bytes it guards are decompressed: the entry count, each entry's declared
size and compression ratio and the declared total from the zip's central directory; each image's pixels
from its header, before Pillow decodes it. Reads are bounded by the declared sizes too, so an entry that
lies about its size is cut off (and then fails its CRC: an unreadable image, not a bomb). The service sets
the limits from `READINESS_*` settings and passes them down; workers never read the service's settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from workers.errors import DataError, FileTooLarge

MB = 1024 * 1024
DEFAULT_MAX_IMAGES = 200_000  # files in one zip: CIFAR-10 is 60,000; past this, sample the images
DEFAULT_MAX_IMAGE_MB = 50.0  # one image's bytes: a 50-megapixel camera JPEG is ~25 MB
# One image's pixels (width × height): Pillow's own decompression-bomb guard warns at ~89 M; a 100 MP camera
# is the largest a team is likely to bring, and decoding one takes ~300 MB.
DEFAULT_MAX_IMAGE_PIXELS = 100_000_000
DEFAULT_MAX_UNZIPPED_MB = 4096.0  # every entry's bytes together, once uncompressed
# An entry's uncompressed size over its compressed size. JPEG, PNG and WebP are compressed already (ratios
# near 1; a flat-colour PNG inside a zip reaches ~20); a bomb's entries reach 1,000 and more.
DEFAULT_MAX_RATIO = 200.0
# Entries smaller than this are not held to the ratio: a tiny file cannot be a bomb, and tiny files (a CSV of
# repeated labels, a blank PNG) compress very well.
RATIO_FLOOR_BYTES = 1 * MB


class TooManyImages(FileTooLarge):
    """The zip holds more files than this server reads."""

    code = "too_many_images"


class ImageTooLarge(FileTooLarge):
    """An image in the zip is larger than this server reads."""

    code = "image_too_large"


class ImageTooManyPixels(FileTooLarge):
    """An image in the zip has more pixels than this server decodes (a decompression bomb)."""

    code = "image_too_many_pixels"


class ZipTooLargeUnpacked(FileTooLarge):
    """The zip would take more bytes unpacked than this server allows."""

    code = "zip_too_large_unpacked"


class ZipRatioTooHigh(FileTooLarge):
    """An entry of the zip expands far more than images do (a zip bomb)."""

    code = "zip_ratio_too_high"


class UnsafeZipEntry(DataError):
    """An entry of the zip has a name or kind that is not a plain file inside the zip."""

    code = "unsafe_zip_entry"


class EncryptedZipEntry(DataError):
    """An entry of the zip is encrypted."""

    code = "encrypted_zip_entry"


@dataclass(frozen=True)
class ImageLimits:
    """Refuse a zip of images with more files, larger images or more expansion than this; None = no limit."""

    max_images: int | None = DEFAULT_MAX_IMAGES
    max_image_bytes: int | None = int(DEFAULT_MAX_IMAGE_MB * MB)
    max_image_pixels: int | None = DEFAULT_MAX_IMAGE_PIXELS
    max_unzipped_bytes: int | None = int(DEFAULT_MAX_UNZIPPED_MB * MB)
    max_ratio: float | None = DEFAULT_MAX_RATIO

    def check_count(self, name: str, files: int) -> None:
        if self.max_images is not None and files > self.max_images:
            raise TooManyImages(
                f"{name} holds {files:,} files; this server reads at most {self.max_images:,}. Sample the images, "
                "or raise the limit with READINESS_MAX_IMAGES.",
                field="file",
            )

    def check_entry(self, name: str, entry: str, *, size: int, compressed: int) -> None:
        """One entry's declared size and compression ratio."""
        if self.max_image_bytes is not None and size > self.max_image_bytes:
            raise ImageTooLarge(
                f"{entry} in {name} is {size / MB:,.1f} MB; this server reads images of at most "
                f"{self.max_image_bytes / MB:,.1f} MB. Resize it, or raise the limit with READINESS_MAX_IMAGE_MB.",
                field="file",
            )
        if (
            self.max_ratio is not None
            and size >= RATIO_FLOOR_BYTES
            and size > self.max_ratio * max(compressed, 1)
        ):
            raise ZipRatioTooHigh(
                f"{entry} in {name} expands {size / max(compressed, 1):,.0f}-fold ({compressed:,} bytes to "
                f"{size:,}); images expand at most {self.max_ratio:,.0f}-fold, so this looks like a zip bomb. "
                "Zip the images themselves, or raise the limit with READINESS_MAX_ZIP_RATIO.",
                field="file",
            )

    def check_total(self, name: str, total: int) -> None:
        if self.max_unzipped_bytes is not None and total > self.max_unzipped_bytes:
            raise ZipTooLargeUnpacked(
                f"{name} would take {total / MB:,.1f} MB unpacked; this server allows "
                f"{self.max_unzipped_bytes / MB:,.1f} MB. Sample the images, or raise the limit with "
                "READINESS_MAX_UNZIPPED_MB.",
                field="file",
            )

    def check_pixels(self, name: str, entry: str, *, width: int, height: int) -> None:
        if self.max_image_pixels is not None and width * height > self.max_image_pixels:
            raise ImageTooManyPixels(
                f"{entry} in {name} is {width:,} × {height:,} pixels; this server decodes images of at most "
                f"{self.max_image_pixels:,} pixels. Resize it, or raise the limit with READINESS_MAX_IMAGE_PIXELS.",
                field="file",
            )


DEFAULT_IMAGE_LIMITS = ImageLimits()
