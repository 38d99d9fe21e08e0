"""Images as phones take them (issue 14, item 4): an upload rotated by its EXIF Orientation
comes out upright, a colour profile is converted to sRGB, metadata (GPS) is stripped from
the original and the renditions that are served, a 960 px rendition serves the desktop hero,
and `regenerate_renditions` rebuilds them. Every fixture image is made here with Pillow."""

import io
import struct
from http import HTTPStatus

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from news import images
from news.models import Article
from tests.athletics.factories import AthleteFactory

from .factories import ArticleFactory

pytestmark = pytest.mark.django_db

RED, BLUE = (220, 20, 20), (20, 20, 220)
GPS_IFD, ORIENTATION, MAKE = 0x8825, 0x0112, 0x010F


def phone_jpeg(size=(1600, 800), orientation=6, gps=True, icc=None):
    """A JPEG as a phone writes it: stored sideways (left half red, right half blue) with an
    Orientation tag, the camera's make, a GPS position and XMP."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "PodiumPhone"
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (55.0, 51.0, 30.0), 3: "W", 4: (4.0, 15.0, 2.0)}
    buffer = io.BytesIO()
    extra = {"icc_profile": icc} if icc else {}
    image.save(buffer, "JPEG", quality=95, exif=exif, xmp=b"<x:xmpmeta>lat 55.8583</x:xmpmeta>", **extra)
    return buffer.getvalue()


def article_with_hero(data, name="phone.jpg"):
    return ArticleFactory(hero_image=ContentFile(data, name=name))


def opened(name):
    with default_storage.open(name, "rb") as file:
        data = file.read()
    image = Image.open(io.BytesIO(data))
    image.load()
    return image, data


def assert_no_metadata(image, data):
    assert not image.getexif(), dict(image.getexif())
    for key in ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment"):
        assert key not in image.info, key
    assert b"Exif\x00\x00" not in data and b"PodiumPhone" not in data and b"55.8583" not in data


def mean_colour(image, box):
    pixels = image.convert("RGB").crop(box).resize((1, 1), Image.Resampling.BOX)
    return pixels.getpixel((0, 0))


def is_red(colour):
    return colour[0] > 150 and colour[1] < 80 and colour[2] < 80


def is_blue(colour):
    return colour[2] > 150 and colour[0] < 80 and colour[1] < 80


def test_a_phone_jpeg_with_orientation_6_is_stored_and_served_upright():
    article = article_with_hero(phone_jpeg())
    # Orientation 6: turn 90° clockwise to show. Upright it is portrait, the red half on top.
    assert (article.hero_width, article.hero_height) == (800, 1600)
    original, _ = opened(article.hero_image.name)
    assert original.size == (800, 1600)
    assert is_red(mean_colour(original, (0, 0, 800, 700))) and is_blue(
        mean_colour(original, (0, 900, 800, 1600))
    )
    for width in (480, 800):
        rendition, _ = opened(images.rendition_name(article.hero_image.name, width))
        assert rendition.width == width and rendition.height == width * 2
        w, h = rendition.size
        assert is_red(mean_colour(rendition, (0, 0, w, h // 2 - 10)))
        assert is_blue(mean_colour(rendition, (0, h // 2 + 10, w, h)))


@pytest.mark.parametrize("orientation", [3, 8])
def test_other_orientations_are_applied_too(orientation):
    article = article_with_hero(phone_jpeg(size=(1000, 500), orientation=orientation))
    expected = (1000, 500) if orientation == 3 else (500, 1000)
    assert (article.hero_width, article.hero_height) == expected
    original, _ = opened(article.hero_image.name)
    # 3 is upside down (red ends on the right), 8 turns counter-clockwise (red at the bottom).
    w, h = original.size
    far = mean_colour(original, (w // 2 + 10, 0, w, h) if orientation == 3 else (0, h // 2 + 10, w, h))
    assert is_red(far)


def test_gps_exif_and_xmp_are_stripped_from_the_original_and_every_rendition():
    article = article_with_hero(phone_jpeg(orientation=1))
    original, data = opened(article.hero_image.name)
    assert original.format == "JPEG"
    assert_no_metadata(original, data)
    for width in images.rendition_widths(article.hero_width):
        rendition, data = opened(images.rendition_name(article.hero_image.name, width))
        assert rendition.format == "WEBP"
        assert_no_metadata(rendition, data)


def test_an_athlete_photo_is_cleaned_too():
    athlete = AthleteFactory(photo=ContentFile(phone_jpeg(size=(900, 600)), name="portrait.jpg"))
    assert (athlete.photo_width, athlete.photo_height) == (600, 900)
    assert_no_metadata(*opened(athlete.photo.name))


def test_a_png_with_text_chunks_is_cleaned_and_stays_png():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "55.8583 N, 4.2518 W")
    buffer = io.BytesIO()
    Image.new("RGBA", (600, 300), (*RED, 255)).save(buffer, "PNG", pnginfo=info)
    article = article_with_hero(buffer.getvalue(), name="graphic.png")
    original, data = opened(article.hero_image.name)
    assert original.format == "PNG" and original.mode == "RGBA"
    assert "Location" not in original.info and b"55.8583" not in data


def test_a_clean_jpeg_is_stored_byte_for_byte():
    buffer = io.BytesIO()
    Image.new("RGB", (800, 400), RED).save(buffer, "JPEG", quality=80)
    article = article_with_hero(buffer.getvalue(), name="clean.jpg")
    _, data = opened(article.hero_image.name)
    assert data == buffer.getvalue()  # no second compression


# ---------- Colour profiles ----------


def _s15(value):
    return struct.pack(">i", round(value * 65536))


def swapped_primaries_profile():
    """An ICC v2 RGB display profile whose red primary is sRGB's green (and green sRGB's
    red): a pixel (220, 20, 20) in it is green once converted to sRGB. Built by hand, as
    Pillow makes only sRGB, Lab and XYZ profiles."""
    # sRGB's primaries adapted to D50 (the profile connection space).
    red, green, blue = (0.4361, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971), (0.1431, 0.0606, 0.7141)

    def xyz(values):
        return b"XYZ \0\0\0\0" + b"".join(_s15(v) for v in values)

    def curve(gamma):
        return b"curv\0\0\0\0" + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"

    def text_description(text):
        ascii_text = text.encode() + b"\0"
        body = b"desc\0\0\0\0" + struct.pack(">I", len(ascii_text)) + ascii_text
        return body + struct.pack(">II", 0, 0) + struct.pack(">HB", 0, 0) + b"\0" * 67

    tags = [
        (b"desc", text_description("Swapped primaries (test)")),
        (b"cprt", b"text\0\0\0\0" + b"none\0"),
        (b"wtpt", xyz((0.9642, 1.0, 0.8249))),
        (b"rXYZ", xyz(green)),
        (b"gXYZ", xyz(red)),
        (b"bXYZ", xyz(blue)),
        (b"rTRC", curve(2.2)),
        (b"gTRC", curve(2.2)),
        (b"bTRC", curve(2.2)),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        body += b"\0" * (-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = struct.pack(">I4sI4s4s4s", size, b"lcms", 0x02100000, b"mntr", b"RGB ", b"XYZ ")
    header += b"\0" * 12 + b"acsp" + b"\0" * 24 + struct.pack(">I", 0)
    header += _s15(0.9642) + _s15(1.0) + _s15(0.8249) + b"\0" * 48
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data


def test_an_embedded_colour_profile_is_converted_to_srgb():
    profile = swapped_primaries_profile()
    article = article_with_hero(phone_jpeg(size=(1000, 500), orientation=1, icc=profile))
    original, data = opened(article.hero_image.name)
    assert "icc_profile" not in original.info  # sRGB: what a browser assumes without one
    # The red half, read through its profile, is green in sRGB.
    converted = mean_colour(original, (0, 0, 400, 500))
    assert converted[1] > 120 and converted[0] < converted[1] and converted[2] < converted[1], converted
    rendition, _ = opened(images.rendition_name(article.hero_image.name, 480))
    assert mean_colour(rendition, (0, 0, 180, 240))[1] > 120


def test_a_broken_colour_profile_leaves_the_pixels_and_never_fails():
    article = article_with_hero(phone_jpeg(size=(600, 300), orientation=1, icc=b"not a profile" * 20))
    original, data = opened(article.hero_image.name)
    assert is_red(mean_colour(original, (0, 0, 250, 300)))
    assert_no_metadata(original, data)


# ---------- 960 px and the command ----------


def test_the_desktop_hero_offers_960(client):
    article = article_with_hero(phone_jpeg(size=(1600, 900), orientation=1, gps=False))
    html = client.get(article.get_absolute_url()).content.decode()
    assert f"{images.rendition_name(article.hero_image.name, 960).split('/')[-1]} 960w" in html
    # The hero slot on a desktop is 52rem (832 px): 960 is the first width that fills it.
    assert 'sizes="(min-width: 76rem) 52rem,' in html
    assert min(w for w in images.rendition_widths(1600) if w >= 832) == 960
    assert default_storage.exists(images.rendition_name(article.hero_image.name, 960))


def test_regenerate_renditions_rebuilds_every_width_and_drops_old_ones(monkeypatch):
    monkeypatch.setattr(images, "RENDITION_WIDTHS", (480, 700, 1200))  # the sizes of an older release
    article = article_with_hero(phone_jpeg(size=(1600, 800), orientation=1, gps=False))
    athlete = AthleteFactory(photo=ContentFile(phone_jpeg(size=(1000, 1000), orientation=1), name="a.jpg"))
    name = article.hero_image.name
    assert default_storage.exists(images.rendition_name(name, 700))
    monkeypatch.setattr(images, "RENDITION_WIDTHS", (480, 960, 1200))
    assert not default_storage.exists(images.rendition_name(name, 960))

    out = io.StringIO()
    call_command("regenerate_renditions", stdout=out)
    assert "Renditions rebuilt for 2 images (480, 960, 1200 px)" in out.getvalue()
    for width in (480, 960, 1200):
        assert default_storage.exists(images.rendition_name(name, width))
    assert not default_storage.exists(images.rendition_name(name, 700))
    assert default_storage.exists(images.rendition_name(athlete.photo.name, 960))


def test_regenerate_renditions_missing_only_keeps_what_exists():
    article = article_with_hero(phone_jpeg(size=(1600, 800), orientation=1, gps=False))
    kept = images.rendition_name(article.hero_image.name, 480)
    before = default_storage.get_modified_time(kept)
    default_storage.delete(images.rendition_name(article.hero_image.name, 960))
    call_command("regenerate_renditions", "--missing", stdout=io.StringIO())
    assert default_storage.get_modified_time(kept) == before
    assert default_storage.exists(images.rendition_name(article.hero_image.name, 960))


def test_regenerate_renditions_cleans_originals_stored_before_cleaning():
    article = article_with_hero(phone_jpeg(size=(400, 200), orientation=1, gps=False))
    # An original from before this release: sideways, with GPS, written straight to storage.
    name = default_storage.save("articles/old/phone.jpg", ContentFile(phone_jpeg(size=(1200, 600))))
    Article.objects.filter(pk=article.pk).update(hero_image=name, hero_width=1200, hero_height=600)

    out = io.StringIO()
    call_command("regenerate_renditions", "--originals", stdout=out)
    assert "1 originals cleaned" in out.getvalue()
    article.refresh_from_db()
    assert article.hero_image.name == name  # rewritten in place: the URL does not change
    assert (article.hero_width, article.hero_height) == (600, 1200)
    original, data = opened(name)
    assert original.size == (600, 1200)
    assert_no_metadata(original, data)
    rendition, _ = opened(images.rendition_name(name, 600))
    assert rendition.size == (600, 1200)


def test_regenerate_renditions_reports_a_missing_original_and_goes_on():
    article = article_with_hero(phone_jpeg(size=(600, 300), orientation=1, gps=False))
    Article.objects.filter(pk=article.pk).update(hero_image="articles/gone.jpg")
    ArticleFactory(hero_image=ContentFile(phone_jpeg(size=(600, 300), orientation=1), name="b.jpg"))
    out, err = io.StringIO(), io.StringIO()
    call_command("regenerate_renditions", stdout=out, stderr=err)
    assert "articles/gone.jpg" in err.getvalue()
    assert "Renditions rebuilt for 1 images" in out.getvalue() and "1 failed" in out.getvalue()


def test_regenerate_renditions_refuses_unknown_options():
    with pytest.raises(CommandError):
        call_command("regenerate_renditions", "--everything")


def test_article_page_with_a_cleaned_hero_answers(client):
    article = article_with_hero(phone_jpeg())
    assert client.get(article.get_absolute_url()).status_code == HTTPStatus.OK
