"""The demo article's hero image: a stylised running track drawn with Pillow.

Drawn rather than photographed so the demo needs no licensed picture. The drawing is
deterministic (no randomness without a fixed seed), so the same Pillow version always
produces the same bytes.
"""

import functools
import io
import math
import random

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

WIDTH, HEIGHT = 1600, 900
# Drawn at twice the size and scaled down: Pillow's shapes are not anti-aliased.
SCALE = 2

NAVY = (10, 20, 44)
NAVY_INFIELD = (17, 34, 70)
NAVY_STRIPE = (20, 39, 78)
TERRACOTTA = (182, 82, 56)
TERRACOTTA_ALT = (174, 77, 52)
APRON = (140, 58, 40)
CHALK = (244, 238, 226)

LANES = 8
LANE_WIDTH = 40
INNER_RADIUS = 210
LINE_WIDTH = 3.5
# The bend's centre on the unrotated canvas; the straights run off to the left.
CANVAS = (2600, 1900)
CENTRE = (1560, 950)
ROTATION = 17  # degrees, anticlockwise: the home straight climbs towards the bend
# Where the bend's centre sits in the final frame.
BEND_IN_FRAME = (980, 300)


def _stadium(draw, radius, fill, centre, scale):
    """Fill the track outline at ``radius``: a semicircle to the right, straights to the left."""
    cx, cy = (c * scale for c in centre)
    r = radius * scale
    draw.rectangle((-10, cy - r, cx, cy + r), fill=fill)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fill)


def _boundary(lane):
    return INNER_RADIUS + lane * LANE_WIDTH


def _draw_track(scale):
    width, height = (round(c * scale) for c in CANVAS)
    image = Image.new("RGB", (width, height), NAVY)
    draw = ImageDraw.Draw(image)
    outer = _boundary(LANES)
    _stadium(draw, outer + 30, APRON, CENTRE, scale)
    # Lanes from the outside in: each lane's colour, then the chalk line inside it.
    for lane in range(LANES, 0, -1):
        colour = TERRACOTTA if lane % 2 else TERRACOTTA_ALT
        _stadium(draw, _boundary(lane) + LINE_WIDTH / 2, CHALK, CENTRE, scale)
        _stadium(draw, _boundary(lane) - LINE_WIDTH / 2, colour, CENTRE, scale)
    _stadium(draw, INNER_RADIUS + LINE_WIDTH / 2, CHALK, CENTRE, scale)
    _stadium(draw, INNER_RADIUS - LINE_WIDTH / 2, APRON, CENTRE, scale)
    _stadium(draw, INNER_RADIUS - 10, NAVY_INFIELD, CENTRE, scale)
    _mow_infield(image, scale)
    _finish_line(draw, scale)
    _staggered_starts(draw, scale)
    _lane_numbers(image, scale)
    return image


def _mow_infield(image, scale):
    """Subtle mowing stripes on the infield, clipped to it."""
    size = image.size
    stripes = Image.new("RGB", size, NAVY_INFIELD)
    draw = ImageDraw.Draw(stripes)
    band = round(80 * scale)
    for x in range(0, size[0], band * 2):
        draw.rectangle((x, 0, x + band - 1, size[1]), fill=NAVY_STRIPE)
    mask = Image.new("L", size, 0)
    _stadium(ImageDraw.Draw(mask), INNER_RADIUS - 10, 255, CENTRE, scale)
    image.paste(stripes, (0, 0), mask)


def _finish_line(draw, scale):
    """The finish: a chalk band across the home straight where it meets the bend."""
    cx, cy = CENTRE
    top = cy + INNER_RADIUS - LINE_WIDTH / 2
    bottom = cy + _boundary(LANES) + LINE_WIDTH / 2
    draw.rectangle(((cx - 10) * scale, top * scale, cx * scale, bottom * scale), fill=CHALK)


def _staggered_starts(draw, scale):
    """Short chalk marks across each lane, staggered round the bend like 400 m starts."""
    cx, cy = CENTRE
    for lane in range(LANES):
        inner, outer = _boundary(lane), _boundary(lane + 1)
        # Measured anticlockwise (on screen) from the foot of the bend.
        angle = math.radians(38 + lane * 7.5)
        x1, y1 = cx + inner * math.sin(angle), cy + inner * math.cos(angle)
        x2, y2 = cx + outer * math.sin(angle), cy + outer * math.cos(angle)
        draw.line((x1 * scale, y1 * scale, x2 * scale, y2 * scale), fill=CHALK, width=round(6 * scale))


def _lane_numbers(image, scale):
    """Lane numbers 1–8 painted on the home straight just before the finish."""
    cx, cy = CENTRE
    font = ImageFont.load_default(size=round(28 * scale))
    for lane in range(LANES):
        label = str(lane + 1)
        tile = Image.new("L", (round(44 * scale), round(44 * scale)), 0)
        ImageDraw.Draw(tile).text(
            (tile.width / 2, tile.height / 2),
            label,
            fill=255,
            font=font,
            anchor="mm",
            stroke_width=round(scale),
            stroke_fill=255,
        )
        # Runners approach from the left, so the numbers face them.
        tile = tile.rotate(-90, expand=True)
        middle = cy + _boundary(lane) + LANE_WIDTH / 2
        x = (cx - 50) * scale - tile.width / 2
        y = middle * scale - tile.height / 2
        image.paste(CHALK, (round(x), round(y)), tile)


def _grain(size, seed=2024):
    """Fixed-seed film grain, so the image stays deterministic."""
    rng = random.Random(seed)  # noqa: S311 - film grain, not a secret
    noise = Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))
    return noise.filter(ImageFilter.GaussianBlur(0.6))


def _vignette(size):
    """A radial mask, clear in the middle and dark at the edges, like floodlights on the track."""
    small = Image.radial_gradient("L").resize((size[0] // 4, size[1] // 4))
    return small.resize(size, Image.Resampling.BICUBIC)


def render_hero(width=WIDTH, height=HEIGHT):
    """Return the hero illustration as an RGB image of ``width`` x ``height`` (16:9)."""
    # The geometry is in pixels of the 1600-wide frame: scale it to the size asked for.
    scale = SCALE * width / WIDTH
    canvas = _draw_track(scale)
    # Bilinear is enough: the image is scaled down by half afterwards, and it is 3x faster.
    canvas = canvas.rotate(ROTATION, resample=Image.Resampling.BILINEAR, fillcolor=NAVY)
    # Where the bend's centre lands after the rotation (Pillow turns about the middle).
    angle = math.radians(ROTATION)
    dx, dy = CENTRE[0] - CANVAS[0] / 2, CENTRE[1] - CANVAS[1] / 2
    turned_x = CANVAS[0] / 2 + dx * math.cos(angle) + dy * math.sin(angle)
    turned_y = CANVAS[1] / 2 - dx * math.sin(angle) + dy * math.cos(angle)
    left = round((turned_x - BEND_IN_FRAME[0]) * scale)
    top = round((turned_y - BEND_IN_FRAME[1]) * scale)
    image = canvas.crop((left, top, left + width * SCALE, top + height * SCALE))
    image = image.resize((width, height), Image.Resampling.LANCZOS)

    light = _vignette((width, height))
    dark = Image.new("RGB", (width, height), NAVY)
    image = Image.composite(dark, image, light.point(lambda v: min(255, max(0, (v - 90) * 0.55))))
    grain = _grain((width, height)).point(lambda v: 128 + (v - 128) * 0.3).convert("RGB")
    image = ImageChops.soft_light(image, grain)
    return image


# Deterministic, so drawn once per process (test suites load the demo many times).
@functools.cache
def hero_jpeg(width=WIDTH, height=HEIGHT):
    """Return the hero illustration encoded as a progressive JPEG."""
    buffer = io.BytesIO()
    render_hero(width, height).save(buffer, "JPEG", quality=86, optimize=True, progressive=True)
    return buffer.getvalue()
