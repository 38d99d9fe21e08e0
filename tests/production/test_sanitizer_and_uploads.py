"""Hostile content: the Markdown sanitizer under a wider property-based attack than
tests/news/test_models.py (encoded schemes, data: URLs, reference links, autolinks,
raw tags the browser would act on), and uploads that lie: a PNG whose header claims
another size, a truncated JPEG, an SVG renamed .png — each a form error in the admin."""

import io
import re
import struct
import zlib
from html.parser import HTMLParser
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from news.markdown import render_markdown
from news.models import Article
from tests.news.factories import ARTICLE_INLINES, AuthorFactory, SectionFactory

# ---------- the Markdown sanitizer ----------

ACTIVE_TAGS = {
    "script",
    "iframe",
    "frame",
    "object",
    "embed",
    "style",
    "form",
    "svg",
    "math",
    "base",
    "meta",
    "link",
    "input",
    "button",
    "textarea",
    "select",
    "video",
    "audio",
    "template",
}
BAD_SCHEMES = ("javascript:", "data:", "vbscript:", "file:", "blob:")


class _Collector(HTMLParser):
    """Tags and attributes as a browser's tokenizer sees them (entities decoded)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend((name, value or "") for name, value in attrs)

    handle_startendtag = handle_starttag


def url_scheme(value):
    """The scheme a browser would use for ``value``: it strips leading C0 controls and
    spaces and removes tabs and newlines anywhere before resolving a URL."""
    cleaned = re.sub(r"[\t\n\r]", "", value).lstrip(
        "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f"
        "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c"
        "\x1d\x1e\x1f "
    )
    return cleaned.lower()


def assert_inert(html):
    parser = _Collector()
    parser.feed(html)
    parser.close()
    assert not ACTIVE_TAGS & set(parser.tags), parser.tags
    assert "<script" not in html.lower() and "<iframe" not in html.lower()
    for name, value in parser.attributes:
        assert not name.startswith("on"), name
        assert name not in {"style", "srcdoc", "formaction", "action", "srcset", "background", "xlink:href"}
        if name in {"href", "src", "cite", "poster"}:
            assert not url_scheme(value).startswith(BAD_SCHEMES), (name, value)


PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<img src=\"x\" ONERROR='alert(1)'>",
    "<body onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="&#x6A;&#x61;vascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="\x01javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![i](data:image/svg+xml,<svg onload=alert(1)>)",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "![i][r]\n\n[r]: data:image/png;base64,AAAA",
    "<javascript:alert(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "<iframe src=https://evil.example></iframe>",
    "<iframe srcdoc='<script>alert(1)</script>'>",
    "<object data=x.swf></object>",
    "<embed src=x.swf>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mi xlink:href=javascript:alert(1)>x</mi></math>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<base href=javascript:/>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<style>body{background:url(x)}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<a href=x onmouseover=alert(1)>x</a>",
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>]]>",
    "`<script>alert(1)</script>`",
    "    <script>alert(1)</script>",
    '<p title="</p><script>alert(1)</script>">',
    "<a href=vbscript:msgbox(1)>x</a>",
    "<a href=file:///etc/passwd>x</a>",
    "<video poster=javascript:alert(1)>",
    '<img srcset="javascript:alert(1) 1x">',
    "<details open ontoggle=alert(1)>",
    "<template><script>x</script>",
]
FRAGMENTS = [
    "<",
    ">",
    '"',
    "'",
    "=",
    "/",
    "\n\n",
    "](",
    ")",
    "[",
    "]",
    "&#",
    ";",
    ":",
    "\t",
    "\x00",
    " on",
    "java",
    "script",
    "data",
    "href=",
    "src=",
    "<a ",
    "<img ",
    "![",
    "<!--",
    "-->",
    "`",
    "\\",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_known_attacks_are_inert(payload):
    assert_inert(render_markdown(payload))
    assert_inert(render_markdown(f"Before {payload} after\n\n- {payload}\n\n> {payload}"))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(st.sampled_from(PAYLOADS), st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=20
    )
)
def test_no_mix_of_attacks_and_noise_survives_rendering(parts):
    assert_inert(render_markdown("".join(parts)))


def test_the_checker_itself_catches_what_it_must():
    """assert_inert is not a rubber stamp."""
    for bad in ['<a href="&#106;avascript:x">', "<img src=x onerror=y>", "<iframe>", '<a href=" data:x">']:
        with pytest.raises(AssertionError):
            assert_inert(bad)


# ---------- uploads that lie ----------


def png_claiming(width, height, actual=(40, 30)):
    """A PNG whose IHDR claims ``width``x``height`` but whose pixel data is for ``actual``."""
    buffer = io.BytesIO()
    Image.new("RGB", actual, (20, 60, 120)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 17])) & 0xFFFFFFFF
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", crc)  # a valid CRC: only the size lies
    return bytes(data)


def truncated_jpeg():
    buffer = io.BytesIO()
    Image.effect_noise((400, 300), 60).convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()[: len(buffer.getvalue()) // 2]


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'


@pytest.fixture
def editor_client(client, db):
    user = User.objects.create_user("ed", password="x-correct-horse-9", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    client.force_login(user)
    return client


def article_form(**overrides):
    data = {
        "title": "Kerr wins again", "slug": "kerr-wins-again", "standfirst": "A standfirst.", "body": "Body.",
        "section": SectionFactory().pk, "authors": [AuthorFactory().pk], "status": "published",
        "published_at_0": "2024-02-20", "published_at_1": "09:00:00", "comments_open": "on",
        "hero_alt": "A running track", "hero_credit": "Illustration: Podium", **ARTICLE_INLINES,
    }  # fmt: skip
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("wide.png", png_claiming(4000, 30)),
        ("tall.png", png_claiming(40, 3000)),
        ("huge.png", png_claiming(50_000, 50_000)),
        ("half.jpg", truncated_jpeg()),
        ("vector.png", SVG),
    ],
    ids=[
        "png-lies-about-width",
        "png-lies-about-height",
        "png-claims-a-bomb",
        "truncated-jpeg",
        "svg-as-png",
    ],
)
def test_lying_uploads_are_form_errors_in_the_admin(editor_client, name, content):
    upload = SimpleUploadedFile(name, content, content_type="image/png")
    response = editor_client.post("/admin/news/article/add/", article_form(hero_image=upload))

    assert response.status_code == HTTPStatus.OK  # the form again, not a 500
    errors = response.context["adminform"].form.errors
    assert "hero_image" in errors, errors  # Django's own check or news.images, next to the field
    assert not Article.objects.exists()


def test_a_png_whose_header_lies_says_so():
    from django.core.exceptions import ValidationError

    from news.images import validate_image

    with pytest.raises(ValidationError) as refused:
        validate_image(SimpleUploadedFile("tall.png", png_claiming(40, 3000)))
    assert "header does not match its data" in refused.value.messages[0]


def interlaced_png(width, height):
    """A valid Adam7-interlaced RGB PNG (Pillow reads them but cannot write them)."""
    raw = b""
    for x0, y0, dx, dy in (
        (0, 0, 8, 8),
        (4, 0, 8, 8),
        (0, 4, 4, 8),
        (2, 0, 4, 4),
        (0, 2, 2, 4),
        (1, 0, 2, 2),
        (0, 1, 1, 2),
    ):
        columns = len(range(x0, width, dx))
        for _row in range(y0, height, dy):
            if columns:
                raw += b"\x00" + bytes([200, 16, 46]) * columns

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 1)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "RGB", "RGBA", "I;16"])
@pytest.mark.parametrize("size", [(1, 1), (7, 3), (33, 17)])
def test_honest_pngs_of_every_colour_type_and_depth_pass_the_header_check(mode, size):
    from news.images import validate_image

    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, "PNG")
    validate_image(SimpleUploadedFile("ok.png", buffer.getvalue()))


@pytest.mark.parametrize("size", [(1, 1), (3, 2), (9, 9), (17, 5)])
def test_honest_interlaced_pngs_pass_the_header_check(size):
    from news.images import validate_image

    data = interlaced_png(*size)
    assert Image.open(io.BytesIO(data)).size == size
    validate_image(SimpleUploadedFile("interlaced.png", data))


def test_an_honest_png_of_the_same_shape_is_accepted(editor_client):
    """The lying PNGs above are refused for lying, not for being PNGs."""
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 60, 120)).save(buffer, "PNG")
    upload = SimpleUploadedFile("honest.png", buffer.getvalue(), content_type="image/png")
    response = editor_client.post("/admin/news/article/add/", article_form(hero_image=upload))
    assert response.status_code == HTTPStatus.FOUND
    assert Article.objects.get().hero_width == 40
