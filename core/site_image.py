"""Draws ``static/img/og-default.png``, the picture a shared page shows when it has none of
its own (``og:image``): the site's name on its navy, with the favicon's podium.

Committed as a file (static files are not generated at deploy); run
``python -m core.site_image`` to draw it again after changing the colours or the name.
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630  # the size Open Graph and large Twitter cards show best
PATH = Path(__file__).resolve().parent.parent / "static" / "img" / "og-default.png"
ALT = "Podium: athletics news, athlete profiles and medal histories"

NAVY = (11, 31, 58)  # --brand
WHITE = (255, 255, 255)
SOFT = (192, 199, 209)  # the favicon's silver
GOLD = (242, 183, 5)
BRONZE = (205, 127, 50)


def draw(name="Podium", tagline="Athletics news · athletes · medal histories"):
    """The default social image as a Pillow image."""
    image = Image.new("RGB", (WIDTH, HEIGHT), NAVY)
    canvas = ImageDraw.Draw(image)
    # The favicon's podium, scaled: silver, gold, bronze steps on a common base line.
    base, step = 470, 70
    for left, height, colour in ((120, 2.5, SOFT), (120 + step, 4.5, GOLD), (120 + 2 * step, 1.5, BRONZE)):
        canvas.rectangle((left, base - height * step, left + step - 6, base), fill=colour)
    canvas.rectangle((120, base + 14, 120 + 3 * step - 6, base + 22), fill=SOFT)
    # Pillow's own font (Aileron), so the drawing needs no system font.
    canvas.text((400, 190), name, font=ImageFont.load_default(size=150), fill=WHITE)
    canvas.text((404, 380), tagline, font=ImageFont.load_default(size=38), fill=SOFT)
    return image


if __name__ == "__main__":
    draw().save(PATH, "PNG", optimize=True)
    print(f"Wrote {PATH}")
