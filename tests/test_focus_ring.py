"""The keyboard focus ring is visible wherever it appears: at least 3:1 against every
background it is drawn on (WCAG 2.2, 1.4.11 and 2.4.13), in the light and dark schemes."""

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parent.parent / "static" / "css" / "site.css").read_text()


def variables(block):
    return dict(re.findall(r"--([a-z-]+):\s*([^;]+);", block))


LIGHT = variables(CSS.split("@media (prefers-color-scheme: dark)")[0].split("}", 1)[0])
DARK = {**LIGHT, **variables(CSS.split("@media (prefers-color-scheme: dark)")[1].split("}", 1)[0])}


def colour(scheme, name):
    value = scheme[name].strip()
    while value.startswith("var(--"):
        value = scheme[value[6:-1]].strip()
    return value


def luminance(hex_colour):
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b):
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("scheme", [LIGHT, DARK], ids=["light", "dark"])
@pytest.mark.parametrize("background", ["paper", "paper-alt"])
def test_the_ring_stands_out_on_the_page_and_the_forms_background(scheme, background):
    assert contrast(colour(scheme, "focus-ring"), colour(scheme, background)) >= 3


@pytest.mark.parametrize("scheme", [LIGHT, DARK], ids=["light", "dark"])
def test_on_the_navy_header_and_footer_the_ring_is_the_yellow(scheme):
    assert ".site-header :focus-visible, .site-footer :focus-visible { outline-color: var(--focus); }" in CSS
    assert contrast(colour(scheme, "focus"), colour(scheme, "brand")) >= 3


def test_every_focus_style_uses_the_ring_colour():
    assert "outline: 3px solid var(--focus-ring);" in CSS.split(":focus-visible {", 1)[1].split("}", 1)[0]
