"""Uploaded images: strict validation with Pillow, and WebP renditions for srcset.

Validation opens the file with Pillow instead of trusting its name or content type: only
JPEG, PNG and WebP, at most 10 MB and 40 megapixels (decompression bombs are refused
before their pixels are decoded), and the pixels must decode completely (a truncated or
lying file is refused).

Renditions are WebP files at fixed widths, never upscaled, written once when the image is
saved, under ``MEDIA_ROOT/renditions/``. Their names derive from the original's name and
its stored dimensions, so templates build ``srcset`` without touching the disk.
"""

import io
import logging
import posixpath
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, UnidentifiedImageError

logger = logging.getLogger(__name__)

ALLOWED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
RENDITION_WIDTHS = (480, 1200)


def validate_image(upload):
    """Raise ValidationError unless ``upload`` is a real JPEG, PNG or WebP within limits."""
    size = getattr(upload, "size", None)
    if size is not None and size == 0:
        raise ValidationError("The file is empty.", code="empty")
    if size is not None and size > MAX_BYTES:
        raise ValidationError(
            "The image is %(mb).1f MB; the limit is 10 MB.",
            code="too_large",
            params={"mb": size / 1024 / 1024},
        )
    position = upload.tell() if hasattr(upload, "tell") else 0
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            # Pillow warns between MAX_IMAGE_PIXELS and twice that; treat it as an error.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                image_format = image.format
                width, height = image.size
                if image_format not in ALLOWED_FORMATS:
                    raise ValidationError(
                        "Upload a JPEG, PNG or WebP image (this file is %(format)s).",
                        code="format",
                        params={"format": image_format or "not an image"},
                    )
                if width * height > MAX_PIXELS:
                    raise ValidationError(
                        "The image is %(w)s×%(h)s pixels; the limit is 40 megapixels.",
                        code="too_many_pixels",
                        params={"w": width, "h": height},
                    )
                image.load()  # decode every pixel: truncated or lying files fail here
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError("The image is too large to open safely.", code="bomb") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            "The file is not a valid JPEG, PNG or WebP image (it may be damaged).", code="invalid"
        ) from exc
    finally:
        upload.seek(position)


def rendition_name(name, width):
    stem, _ = posixpath.splitext(name)
    return f"renditions/{stem}-{width}w.webp"


def rendition_widths(original_width):
    """The widths to offer for an image ``original_width`` pixels wide (never upscaled)."""
    if not original_width:
        return []
    widths = [w for w in RENDITION_WIDTHS if w < original_width]
    widths.append(min(original_width, RENDITION_WIDTHS[-1]))
    return sorted(set(widths))


def generate_renditions(field_file, width=None, storage=default_storage):
    """Write the WebP renditions of ``field_file`` (``width`` pixels wide, when the model
    stores it) that do not exist yet."""
    if not field_file:
        return
    widths = rendition_widths(width or field_file.width)
    missing = [w for w in widths if not storage.exists(rendition_name(field_file.name, w))]
    if not missing:
        return
    field_file.open("rb")
    try:
        with Image.open(field_file) as image:
            image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
            for width in missing:
                height = round(image.height * width / image.width)
                resized = image.resize((width, height), Image.Resampling.LANCZOS)
                buffer = io.BytesIO()
                resized.save(buffer, "WEBP", quality=82, method=4)
                storage.save(rendition_name(field_file.name, width), ContentFile(buffer.getvalue()))
    finally:
        field_file.close()


def srcset_for(field_file, original_width, original_height):
    """Return (src, srcset, width, height) for an image's renditions, or None."""
    if not field_file or not original_width or not original_height:
        return None
    widths = rendition_widths(original_width)
    urls = [(default_storage.url(rendition_name(field_file.name, w)), w) for w in widths]
    largest_url, largest = urls[-1]
    height = round(original_height * largest / original_width)
    return {
        "src": largest_url,
        "srcset": ", ".join(f"{url} {w}w" for url, w in urls),
        "width": largest,
        "height": height,
    }
