"""The demo article's drawn hero image."""

import io

from PIL import Image

from news.demo.hero import HEIGHT, WIDTH, hero_jpeg, render_hero


def test_hero_is_a_1600_by_900_jpeg():
    with Image.open(io.BytesIO(hero_jpeg())) as image:
        assert (image.format, image.size, image.mode) == ("JPEG", (1600, 900), "RGB")


def test_hero_is_deterministic():
    assert render_hero(320, 180).tobytes() == render_hero(320, 180).tobytes()


def test_hero_is_a_terracotta_track_on_navy():
    image = render_hero(WIDTH // 4, HEIGHT // 4)
    colours = image.quantize(8).convert("RGB").getcolors()
    # Mostly warm track and deep blue ground, not a blank or grey picture.
    warm = sum(count for count, (r, g, b) in colours if r > g + 40 and r > b + 40)
    blue = sum(count for count, (r, g, b) in colours if b > r + 20)
    total = image.width * image.height
    assert warm > total * 0.3
    assert blue > total * 0.2
