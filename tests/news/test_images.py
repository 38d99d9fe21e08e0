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
    assert images.rendition_widths(1000) == [480, 960, 1000]
    assert images.rendition_widths(1600) == [480, 960, 1200]
    assert images.rendition_widths(None) == []


def test_renditions_are_written_once_as_webp():
    name = default_storage.save("articles/hero.png", upload("hero.png", image_bytes(size=(1600, 900))))
    stored = default_storage.open(name)
    stored.name, stored.width = name, 1600

    images.generate_renditions(stored)
    for width in (480, 960, 1200):
        with default_storage.open(images.rendition_name(name, width)) as f, Image.open(f) as img:
            assert img.format == "WEBP" and img.width == width
    first = default_storage.get_modified_time(images.rendition_name(name, 480))
    images.generate_renditions(stored)  # second call: nothing rewritten
    assert default_storage.get_modified_time(images.rendition_name(name, 480)) == first

    data = images.srcset_for(stored, 1600, 900)
    assert data["width"] == 1200 and data["height"] == 675
    assert "480w" in data["srcset"] and "960w" in data["srcset"] and "1200w" in data["srcset"]


# ---------- Content and name together: a file is served by its name ----------

POLYGLOT = image_bytes("PNG", size=(40, 30)) + b"<html><script>alert(document.cookie)</script></html>"


@pytest.mark.parametrize("name", ["hero.pdf", "hero.xbm", "hero.html", "hero.svg", "hero.gif", "hero"])
def test_png_polyglot_named_as_another_type_is_refused(name):
    # Pillow reads it as a PNG; stored as .pdf it would be served as application/pdf.
    with pytest.raises(ValidationError) as refused:
        images.validate_image(upload(name, POLYGLOT))
    (message,) = refused.value.messages
    assert f"This file is a PNG image named “{name}”: its name must end in .png." in message
    assert "Accepted: JPEG (.jpg or .jpeg), PNG (.png) or WebP (.webp)." in message


@pytest.mark.parametrize(
    ("fmt", "name", "expected"),
    [("JPEG", "photo.png", ".jpg or .jpeg"), ("PNG", "photo.jpg", ".png"), ("WEBP", "photo.png", ".webp"),
     ("PNG", "photo.webp", ".png"), ("JPEG", "photo.jpg.html", ".jpg or .jpeg")],
)  # fmt: skip
def test_image_named_with_another_formats_extension_is_refused_not_renamed(fmt, name, expected):
    with pytest.raises(ValidationError, match=f"its name must end in {expected}\\."):
        images.validate_image(upload(name, image_bytes(fmt)))


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("JPEG", "a.jpeg"), ("JPEG", "A.JPG"), ("PNG", "Photo.PNG"), ("WEBP", "a.WebP"), ("PNG", "kerr.v2.png")],
)
def test_extension_is_matched_whatever_its_case(fmt, name):
    images.validate_image(upload(name, image_bytes(fmt)))


def test_camera_jpeg_with_extra_pictures_mpo_is_a_jpeg():
    buffer = io.BytesIO()
    first, second = Image.new("RGB", (40, 30), "red"), Image.new("RGB", (40, 30), "blue")
    first.save(buffer, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(buffer.getvalue())).format == "MPO"

    images.validate_image(upload("camera.jpg", buffer.getvalue()))
    with pytest.raises(ValidationError, match="JPEG image named “camera.png”"):
        images.validate_image(upload("camera.png", buffer.getvalue()))


def test_avif_is_refused_by_format():
    from PIL import features

    assert features.check("avif"), "this Pillow reads AVIF: the refusal below is ours, not Pillow's"
    with pytest.raises(ValidationError, match=r"Upload a JPEG, PNG or WebP image \(this file is AVIF\)"):
        images.validate_image(upload("photo.avif", image_bytes("AVIF")))


# The admin forms: the same rules, next to the field, and nothing stored.


def image_form(form_class, field, name, content):
    return form_class(data={}, files={field: SimpleUploadedFile(name, content, content_type="image/png")})


def athlete_form():
    from athletics.admin import AthleteAdminForm

    return AthleteAdminForm, "photo", "Photo"


def article_form():
    from news.forms import ArticleAdminForm

    return ArticleAdminForm, "hero_image", "Hero image"


@pytest.mark.django_db
@pytest.mark.parametrize("form", [article_form, athlete_form], ids=["hero_image", "athlete_photo"])
@pytest.mark.parametrize("name", ["x.pdf", "x.xbm", "x.html", "x.svg", "x.jpg"])
def test_admin_forms_refuse_a_polyglot_not_named_png_and_name_the_accepted_formats(form, name):
    # .pdf and .xbm pass Django's own check (Pillow knows them); .html and .svg would get
    # Django's list of every extension Pillow knows.
    form_class, field, label = form()
    bound = image_form(form_class, field, name, POLYGLOT)
    assert not bound.is_valid()
    assert bound.errors[field] == [
        f"{label}: This file is a PNG image named “{name}”: its name must end in .png. "
        "Accepted: JPEG (.jpg or .jpeg), PNG (.png) or WebP (.webp)."
    ]


@pytest.mark.django_db
def test_admin_form_says_which_formats_when_the_file_is_no_image():
    from news.forms import ArticleAdminForm

    bound = image_form(
        ArticleAdminForm, "hero_image", "hero.png", b'<svg xmlns="http://www.w3.org/2000/svg"/>'
    )
    assert not bound.is_valid()
    assert bound.errors["hero_image"] == [
        "Upload a JPEG (.jpg or .jpeg), PNG (.png) or WebP (.webp) image: "
        "this file is not an image, or it is damaged."
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "fmt"), [("hero.png", "PNG"), ("hero.jpg", "JPEG"), ("hero.webp", "WEBP")])
def test_admin_form_accepts_a_real_png_jpeg_and_webp(name, fmt):
    from news.forms import ArticleAdminForm

    bound = image_form(ArticleAdminForm, "hero_image", name, image_bytes(fmt))
    bound.is_valid()
    assert "hero_image" not in bound.errors


@pytest.mark.django_db
def test_polyglot_named_pdf_posted_to_the_admin_stores_nothing(admin_client, settings):
    from news.models import Article

    from .factories import AuthorFactory, SectionFactory

    data = {
        "title": "Kerr wins again", "slug": "kerr-wins-again", "standfirst": "A standfirst.", "body": "Body.",
        "section": SectionFactory().pk, "authors": [AuthorFactory().pk], "status": "published",
        "published_at_0": "2024-02-20", "published_at_1": "09:00:00", "hero_alt": "A track",
        "hero_credit": "Illustration: Podium",
        "hero_image": SimpleUploadedFile("hero.pdf", POLYGLOT, content_type="application/pdf"),
    }  # fmt: skip
    response = admin_client.post(f"/{settings.ADMIN_URL}news/article/add/", data)

    assert response.status_code == 200
    assert "This file is a PNG image named “hero.pdf”" in response.text
    assert not Article.objects.exists()
    assert not any(settings.MEDIA_ROOT.rglob("*.pdf"))
