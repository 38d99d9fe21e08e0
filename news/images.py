"""Uploaded images: strict validation with Pillow, and WebP renditions for srcset.

Validation opens the file with Pillow instead of trusting its name or content type: only
JPEG, PNG and WebP, at most 10 MB and 40 megapixels (decompression bombs are refused
before their pixels are decoded), and the pixels must decode completely (a truncated or
lying file is refused). The name must end in its format's extension too (.jpg or .jpeg,
.png, .webp): the web server takes the Content-Type from the stored name, so a PNG named
``.pdf`` or ``.xbm`` (or a PNG with HTML appended, named ``.html``) would be served as
something else. A mismatch is refused, not renamed: the editor sees the mistake.

GIF and AVIF are refused although Pillow reads them: a GIF's renditions would be one still
frame of its animation, and the original (the ``og:image`` of link previews) in AVIF is not
shown by most social networks and mail clients.

Images as phones take them: a new upload is stored upright (its EXIF Orientation applied to
the pixels), in sRGB (an embedded ICC profile, e.g. Display P3, converted with LittleCMS),
and without metadata (EXIF with its GPS position, XMP, IPTC, comments): the original is
served too (``og:image``, JSON-LD), so it is cleaned, not only the renditions. A file with
none of these is stored byte for byte (no second JPEG compression).

Renditions are WebP files at fixed widths, never upscaled, written once when the image is
saved, under ``MEDIA_ROOT/renditions/``, upright and in sRGB whatever the original, with no
metadata. Their names derive from the original's name and its stored dimensions, so
templates build ``srcset`` without touching the disk. ``manage.py regenerate_renditions``
rebuilds them after a change of widths (and cleans originals stored before this).
"""

import io
import logging
import posixpath
import re
import struct
import warnings
import zlib

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

ALLOWED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
# The name endings of each format (lower-cased), as the web server maps them to a Content-Type.
FORMAT_EXTENSIONS = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",), "WEBP": (".webp",)}
# Many cameras write a JPEG with extra pictures after it (MPO): to a browser it is a JPEG.
FORMAT_ALIASES = {"MPO": "JPEG"}
ACCEPTED = "JPEG (.jpg or .jpeg), PNG (.png) or WebP (.webp)"
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
# 960: the desktop hero's slot is 832 px (52rem), so a 1x screen takes 960, not 1200.
RENDITION_WIDTHS = (480, 960, 1200)
# Metadata that marks an upload to be cleaned (Pillow's names for it, any format).
METADATA_KEYS = ("exif", "xmp", "XML:com.adobe.xmp", "photoshop", "comment", "icc_profile", "iptc")
SAVE_OPTIONS = {
    "JPEG": {"quality": 90, "optimize": True, "progressive": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 90, "method": 4},
}


def file_extension(upload):
    """The lower-cased extension of ``upload``'s name (``.png``), or ``""``."""
    return posixpath.splitext(getattr(upload, "name", None) or "")[1].lower()


def validate_image(upload):
    """Raise ValidationError unless ``upload`` is a real JPEG, PNG or WebP within limits,
    named with its format's extension."""
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
                image_format = FORMAT_ALIASES.get(image.format, image.format)
                width, height = image.size
                if image_format not in ALLOWED_FORMATS:
                    raise ValidationError(
                        "Upload a JPEG, PNG or WebP image (this file is %(format)s).",
                        code="format",
                        params={"format": image_format or "not an image"},
                    )
                if file_extension(upload) not in FORMAT_EXTENSIONS[image_format]:
                    raise ValidationError(
                        "This file is a %(format)s image named “%(name)s”: its name must end in "
                        "%(expected)s. Accepted: %(accepted)s.",
                        code="extension_mismatch",
                        params={
                            "format": ALLOWED_FORMATS[image_format],
                            "name": posixpath.basename(getattr(upload, "name", "") or ""),
                            "expected": " or ".join(FORMAT_EXTENSIONS[image_format]),
                            "accepted": ACCEPTED,
                        },
                    )
                if width * height > MAX_PIXELS:
                    raise ValidationError(
                        "The image is %(w)s×%(h)s pixels; the limit is 40 megapixels.",
                        code="too_many_pixels",
                        params={"w": width, "h": height},
                    )
                image.load()  # decode every pixel: truncated or lying files fail here
                if image_format == "PNG":
                    # Pillow fills rows missing from a PNG with black instead of failing.
                    check_png_data_matches_header(upload, width, height, image.info.get("interlace"))
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


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# PNG colour type -> channels per pixel.
PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
# Adam7 passes: (x start, y start, x step, y step).
ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def _png_expected_bytes(width, height, bit_depth, colour_type, interlaced):
    """The size of a PNG's decompressed image data, per its header (filter bytes included)."""
    bits_per_pixel = bit_depth * PNG_CHANNELS[colour_type]
    passes = ADAM7 if interlaced else ((0, 0, 1, 1),)
    total = 0
    for x0, y0, dx, dy in passes:
        pass_width = (width - x0 + dx - 1) // dx if width > x0 else 0
        pass_height = (height - y0 + dy - 1) // dy if height > y0 else 0
        if pass_width and pass_height:
            total += pass_height * (1 + (pass_width * bits_per_pixel + 7) // 8)
    return total


def check_png_data_matches_header(upload, width, height, interlace=None):
    """Raise ValidationError unless the PNG's image data is exactly as large as its header
    (IHDR) says: a header that lies about the size is refused, not padded with black.
    The data is decompressed as a stream and counted, never held in memory."""
    upload.seek(0)
    if upload.read(8) != PNG_SIGNATURE:
        raise ValidationError("The file is not a valid PNG image.", code="invalid")
    header, inflater, produced, limit = None, zlib.decompressobj(), 0, None
    try:
        while True:
            head = upload.read(8)
            if len(head) < 8:
                break
            length, kind = struct.unpack(">I4s", head)
            data = upload.read(length)
            upload.read(4)  # CRC (Pillow has checked it)
            if kind == b"IHDR":
                header = struct.unpack(">IIBBBBB", data[:13])
                limit = _png_expected_bytes(header[0], header[1], header[2], header[3], header[6] == 1)
            elif kind == b"IDAT" and limit is not None:
                produced += len(inflater.decompress(data, limit + 1 - produced))
                while inflater.unconsumed_tail and produced <= limit:
                    produced += len(inflater.decompress(inflater.unconsumed_tail, limit + 1 - produced))
                if produced > limit:
                    break
            elif kind == b"IEND":
                break
    except (struct.error, zlib.error, KeyError) as exc:
        raise ValidationError(
            "The file is not a valid PNG image (it may be damaged).", code="invalid"
        ) from exc
    if header is None or (header[0], header[1]) != (width, height) or produced != limit:
        raise ValidationError(
            "The image's header does not match its data (it claims %(w)s×%(h)s pixels).",
            code="lying_header",
            params={"w": width, "h": height},
        )


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


def upright_srgb(image):
    """``image`` with its EXIF orientation applied and its colours in sRGB (RGB or RGBA),
    without any metadata."""
    image = ImageOps.exif_transpose(image) or image
    profile = image.info.get("icc_profile")
    wanted = "RGBA" if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info else "RGB"
    converted = None
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            if image.mode not in ("RGB", "RGBA", "CMYK", "L"):
                image = image.convert(wanted)
            converted = ImageCms.profileToProfile(
                image,
                source,
                ImageCms.createProfile("sRGB"),
                renderingIntent=ImageCms.Intent.PERCEPTUAL,
                outputMode=wanted if image.mode in ("RGB", "RGBA") else "RGB",
            )
        except (ImageCms.PyCMSError, OSError, ValueError):
            # An unreadable or mismatched profile: the pixels as they are (what browsers
            # that ignore profiles show anyway), logged so an editor's odd file is findable.
            logger.warning("colour profile not applied", extra={"mode": image.mode})
    image = (converted or image).convert(wanted)
    image.info = {}
    return image


def needs_cleaning(image):
    """Whether an opened upload carries metadata or a rotation to apply before it is served."""
    if any(key in image.info for key in METADATA_KEYS):
        return True
    if image.format == "PNG" and any(isinstance(v, str) for v in image.info.values()):
        return True  # tEXt/iTXt chunks: free text, sometimes a location
    return bool(image.getexif())


def cleaned_original(upload):
    """The upload's bytes re-encoded upright, in sRGB and without metadata, in its own
    format; None when it has nothing to clean (stored as it is)."""
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            image_format = FORMAT_ALIASES.get(image.format, image.format)
            if not needs_cleaning(image):
                return None
            cleaned = upright_srgb(image)
    finally:
        upload.seek(position)
    if image_format == "JPEG" and cleaned.mode == "RGBA":
        cleaned = cleaned.convert("RGB")
    buffer = io.BytesIO()
    cleaned.save(buffer, image_format, **SAVE_OPTIONS[image_format])
    return buffer.getvalue()


def clean_upload(instance, field_name):
    """Replace ``instance``'s new (not yet stored) image in ``field_name`` by its cleaned
    bytes, and its stored dimensions with the upright ones. Called by the model's save()."""
    field_file = getattr(instance, field_name)
    if not field_file or getattr(field_file, "_committed", True):
        return
    data = cleaned_original(field_file)
    if data is None:
        return
    setattr(instance, field_name, ContentFile(data, name=posixpath.basename(field_file.name)))
    instance._meta.get_field(field_name).update_dimension_fields(instance, force=True)


def delete_renditions(name, storage=default_storage):
    """Delete every rendition of the original ``name`` (all widths, past ones included)."""
    stem = posixpath.splitext(posixpath.basename(name))[0]
    folder = posixpath.dirname(rendition_name(name, 0))
    try:
        _folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return 0
    pattern = re.compile(rf"{re.escape(stem)}-\d+w\.webp")
    doomed = [f for f in files if pattern.fullmatch(f)]
    for file_name in doomed:
        storage.delete(posixpath.join(folder, file_name))
    return len(doomed)


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
            # Upright and in sRGB even for an original stored before uploads were cleaned.
            image = upright_srgb(image)
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
