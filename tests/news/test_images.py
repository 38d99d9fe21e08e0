"""Image uploads are opened with Pillow, never trusted by name; renditions never upscale."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from news import images


def image_bytes(fmt="PNG", size=(800, 450), color=(10, 40, 90)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()


def upload(name, content):
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize("fmt,name", [("PNG", "a.png"), ("JPEG", "a.jpg"), ("WEBP", "a.webp")])
def test_real_jpeg_png_and_webp_are_accepted(fmt, name):
    images.validate_image(upload(name, image_bytes(fmt)))


def test_text_file_renamed_png_is_refused():
    with pytest.raises(ValidationError, match="not a valid JPEG, PNG or WebP"):
        images.validate_image(upload("photo.png", b"hello, I am text"))


def test_empty_file_is_refused():
    with pytest.raises(ValidationError, match="empty"):
        images.validate_image(upload("photo.png", b""))


def test_gif_is_refused_by_format():
    with pytest.raises(ValidationError, match="GIF"):
        images.validate_image(upload("photo.png", image_bytes("GIF")))


def test_svg_renamed_png_is_refused():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with pytest.raises(ValidationError):
        images.validate_image(upload("photo.png", svg))


def test_truncated_jpeg_is_refused():
    data = image_bytes("JPEG", size=(1200, 800))
    with pytest.raises(ValidationError):
        images.validate_image(upload("photo.jpg", data[: len(data) // 2]))


def test_file_over_ten_megabytes_is_refused(monkeypatch):
    monkeypatch.setattr(images, "MAX_BYTES", 1000)
    with pytest.raises(ValidationError, match="limit is 10 MB"):
        images.validate_image(upload("big.png", image_bytes(size=(400, 400), color=(1, 2, 3)) + b"\0" * 2000))


def test_image_over_forty_megapixels_is_refused_before_decoding():
    # A PNG header claiming 8000x8000 pixels (64 MP): refused from its header alone.
    data = image_bytes("PNG", size=(8000, 8000))
    with pytest.raises(ValidationError, match="40 megapixels|too large"):
        images.validate_image(upload("bomb.png", data))


def test_rendition_widths_never_upscale():
    assert images.rendition_widths(300) == [300]
    assert images.rendition_widths(800) == [480, 800]
    assert images.rendition_widths(1600) == [480, 1200]
    assert images.rendition_widths(None) == []


def test_renditions_are_written_once_as_webp():
    name = default_storage.save("articles/hero.png", upload("hero.png", image_bytes(size=(1600, 900))))
    stored = default_storage.open(name)
    stored.name, stored.width = name, 1600

    images.generate_renditions(stored)
    for width in (480, 1200):
        with default_storage.open(images.rendition_name(name, width)) as f, Image.open(f) as img:
            assert img.format == "WEBP" and img.width == width
    first = default_storage.get_modified_time(images.rendition_name(name, 480))
    images.generate_renditions(stored)  # second call: nothing rewritten
    assert default_storage.get_modified_time(images.rendition_name(name, 480)) == first

    data = images.srcset_for(stored, 1600, 900)
    assert data["width"] == 1200 and data["height"] == 675
    assert "480w" in data["srcset"] and "1200w" in data["srcset"]
