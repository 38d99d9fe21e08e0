"""What fans type (issue 11): invisible, reversed and stacked characters are removed, a name
or comment needs visible text, names that would pass for the staff's are refused, and the
moderation checks see the text as it is stored (news/text.py, README "Comments")."""

import unicodedata
from http import HTTPStatus

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from news import text
from news.models import Comment

from .comment_helpers import comment_data, field_errors
from .factories import ArticleFactory, AuthorFactory

pytestmark = pytest.mark.django_db

RESERVED = "This name is reserved for Podium&#x27;s staff; please choose another."
NAME_INVISIBLE = (
    "Your name has no visible characters. Please give a name with at least one letter, number or symbol."
)
BODY_INVISIBLE = "Your comment has no visible characters. Please write at least one letter, number or symbol."


@pytest.fixture
def article(settings):
    settings.COMMENTS_RATE = ""  # no limit: many posts from one client
    return ArticleFactory(title="Kerr wins in Budapest", slug="kerr-wins")


def post(client, article, **fields):
    return client.post(article.get_absolute_url(), comment_data(article, **fields))


def stored(client, article, **fields):
    """Post a comment and return it as stored."""
    response = post(client, article, **fields)
    assert response.status_code == HTTPStatus.SEE_OTHER, response.content.decode()[:2000]
    return Comment.objects.get()


# ---------- Invisible names and bodies are refused ----------


@pytest.mark.parametrize(
    "name",
    ["\u200b\u200b\u200b", "\u200d\u200c\u2060\ufeff", "\u202e\u2066\u2069", "\u3164\u3164", "\u2800",
     "\u0301" * 5],
    ids=["zero-width spaces", "joiners, word joiner, BOM", "bidi controls", "Hangul fillers", "braille blank",
         "marks without a letter"],
)  # fmt: skip
def test_a_name_with_no_visible_character_is_400_with_the_text_kept(client, article, name):
    response = post(client, article, name=name, body="Kept for the next try.")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert field_errors(html, "name") == [NAME_INVISIBLE]
    assert "Kept for the next try.</textarea>" in html
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "\u200b",
        "\u200d\u200d\u200d\u200c",
        "\u200b \n \u200d\t\ufeff",
        "\U000e0041\U000e0042",
        "\u034f\u034f",
    ],
    ids=["zero-width space", "joiners", "with whitespace", "tag characters", "grapheme joiners"],
)
def test_a_comment_with_no_visible_character_is_400(client, article, body):
    response = post(client, article, name="Ana", body=body)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert field_errors(html, "body") == [BODY_INVISIBLE]
    assert 'value="Ana"' in html
    assert not Comment.objects.exists()


# ---------- What is removed or changed, and what is kept ----------


def test_bidi_overrides_and_isolates_are_removed_so_text_reads_as_typed(client, article):
    # "\u202enimda" shows as "admin" on the page: stored without the override, it reads "nimda".
    comment = stored(
        client, article, name="\u202enimda", body="Left \u2067to\u2069 right \u202dand\u202c back\u200f"
    )
    assert comment.name == "nimda"
    assert comment.body == "Left to right and back"


def test_zero_width_characters_inside_words_are_removed(client, article):
    comment = stored(client, article, name="A\u200bn\u2060a\u00ad", body="gr\u200deat\ufeff r\u200cace")
    assert (comment.name, comment.body) == ("Ana", "great race")


def test_a_joiner_inside_an_emoji_sequence_is_kept(client, article):
    comment = stored(client, article, name="Zoë 🏃\u200d♀️", body="👨\u200d👩\u200d👧 cheering 🏳️\u200d🌈")
    assert comment.name == "Zoë 🏃\u200d♀️"
    assert comment.body == "👨\u200d👩\u200d👧 cheering 🏳️\u200d🌈"


def test_stacked_combining_marks_are_capped_at_four_per_letter(client, article):
    zalgo = "Z" + "\u0336" * 70 + "a\u0489" * 2 + "lgo"  # 70 marks on the Z, an enclosing one (Me) on each a
    comment = stored(client, article, name=zalgo, body=zalgo + " and e\u0301\u0302")
    assert comment.name == "Z" + "\u0336" * 4 + "a\u0489" * 2 + "lgo"
    assert comment.body == comment.name + " and \u00e9\u0302"  # NFKC composes the first


def test_hebrew_points_and_accents_up_to_four_are_kept(client, article):
    word = "שָּׁ֑לוֹם"  # shin with its dot, dagesh, vowel and accent: four marks
    assert sum(unicodedata.category(c) == "Mn" for c in word[:5]) == 4
    assert stored(client, article, body=word).body == unicodedata.normalize("NFKC", word)


def test_compatibility_forms_are_normalised_nfkc(client, article):
    comment = stored(client, article, name="Ｊｏ Ｂｒｏｗｎ", body="What a ﬁnish: 3\u00a0:\u200a29 ²")
    assert comment.name == "Jo Brown"
    assert comment.body == "What a finish: 3 : 29 2"


def test_control_characters_are_removed_but_newlines_and_tabs_are_kept(client, article):
    comment = stored(
        client, article, name="Ana\x07\x1b", body="Line one\r\nLine\ttwo\rthree\x08\x1b[31m\u2028four"
    )
    assert comment.name == "Ana"
    assert comment.body == "Line one\nLine\ttwo\nthree[31m\nfour"


def test_private_use_characters_and_noncharacters_are_removed(client, article):
    comment = stored(client, article, body="Apple \uf8ff logo \ufdd0\uffff\U0010fffe")
    assert comment.body == "Apple  logo"


def test_a_name_longer_than_80_characters_once_normalised_is_400(client, article):
    name = "\ufdfa" * 5  # 5 characters, each 18 once normalised
    length = len(" ".join(unicodedata.normalize("NFKC", name).split()))
    assert length > 80

    response = post(client, article, name=name)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert field_errors(response.content.decode(), "name") == [
        f"Please shorten your name to 80 characters (it has {length})."
    ]
    assert not Comment.objects.exists()


# ---------- Names that pass for the staff's ----------


@pytest.mark.parametrize(
    "name",
    [
        "Роdium Editor",  # Cyrillic Р and о
        "Podium",
        "EDITOR",
        "Ｐｏｄｉｕｍ",  # fullwidth
        "P0dium",  # digits fold to the letters they look like
        "Adm1n",
        "EDlTOR",  # a small l among capitals reads as I
        "Édítör",  # accents
        "Pod\u200bium",  # a zero-width space inside
        "moderator",
        "Jo the Moderator",  # a reserved word inside a name
        "Podium Staff",
        "PodiumEditor",  # joined, however
        "JoTheModerator",
        "P.O.D.I.U.M",
        "ｓｔａｆｆ",
    ],
)
def test_a_name_that_passes_for_the_staffs_is_400_with_the_text_kept(client, article, name):
    response = post(client, article, name=name, body="I am an editor, honest.")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert field_errors(html, "name") == [RESERVED]
    assert "I am an editor, honest.</textarea>" in html
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "name",
    ["Staffordshire Sam", "Edith", "Moderately Keen", "McDonald", "The Editors", "Ольга", "Podiumfinisher"],
)
def test_names_that_only_contain_a_reserved_word_inside_another_are_allowed(client, article, name):
    assert stored(client, article, name=name).name == name


@pytest.mark.parametrize("name", ["Jane Doe", "JANE DOE", "Јane Doe", "jane.doe", "JaneDoe", "J a n e D o e"])
def test_a_staff_writers_byline_is_reserved_however_spelled(client, article, name):
    AuthorFactory(name="Jane Doe", slug="jane-doe")
    response = post(client, article, name=name)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert field_errors(response.content.decode(), "name") == [RESERVED]


def test_a_name_that_only_contains_a_byline_is_allowed(client, article):
    AuthorFactory(name="Jane Doe", slug="jane-doe")
    assert stored(client, article, name="Jane Doe's biggest fan").name == "Jane Doe's biggest fan"


def test_the_reserved_names_are_a_setting(client, article, settings):
    settings.COMMENTS_RESERVED_NAMES = ["Race Control"]
    response = post(client, article, name="RACE CONTR0L")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert field_errors(response.content.decode(), "name") == [RESERVED]
    assert stored(client, article, name="Podium Fan").name == "Podium Fan"


def test_the_remembered_name_is_the_cleaned_one(client, article):
    from django.core import signing

    from news.comment_views import COMMENTER_COOKIE, COMMENTER_SALT

    post(client, article, name="\u202eAna\u200b  Smith")
    assert signing.loads(client.cookies[COMMENTER_COOKIE].value, salt=COMMENTER_SALT) == {"name": "Ana Smith"}


# ---------- Moderation sees the text as stored ----------


@pytest.mark.parametrize(
    "body", ["ｓｃａｍｗｏｒｄ deal", "scam\u200bword deal", "sc\u00adam\u2060word deal"]
)
def test_the_blocklist_sees_the_normalised_text(client, article, settings, body):
    settings.COMMENTS_BLOCKLIST = ["scamword"]
    comment = stored(client, article, body=body)
    assert comment.body == "scamword deal"
    assert comment.status == Comment.Status.PENDING


def test_the_blocklist_sees_the_normalised_name(client, article, settings):
    settings.COMMENTS_BLOCKLIST = ["scamword"]
    comment = stored(client, article, name="Ｓｃａｍ\u200bword")
    assert comment.status == Comment.Status.PENDING


# ---------- Properties ----------

# Text a browser could send (no lone surrogates: the form refuses those, see test_comments.py),
# rich in what these rules are about.
_TRICKY = st.sampled_from(
    ["\u200b", "\u200d", "\u200c", "\u202e", "\u2066", "\ufeff", "\u00ad", "\u0301", "\u20e3", "\ufe0f",
     "\U000e0041", "\u3164", "\r\n", "\r", "\x00", "\x07", "\x85", "\u2028", "\ufdfa", "Ｐ", "🏃", "♀", "a"]
)  # fmt: skip
_TEXT = st.lists(
    st.one_of(_TRICKY, st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=10)), max_size=12
).map("".join)


def _left_over_invisibles(value, *, newlines):
    """The control and format characters left in ``value``: none, but a comment's newlines
    and tabs, and a joiner between two emoji."""
    allowed = "\n\t" if newlines else ""
    left = []
    for index, char in enumerate(value):
        category = unicodedata.category(char)
        if char == "\u200d" and 0 < index < len(value) - 1 and unicodedata.category(value[index + 1]) == "So":
            continue
        if category in ("Cc", "Cf") and char not in allowed:
            left.append(char)
    return left


def _longest_mark_run(value):
    longest = run = 0
    for char in value:
        run = run + 1 if unicodedata.category(char) in ("Mn", "Me") else 0
        longest = max(longest, run)
    return longest


@hypothesis_settings(max_examples=400, deadline=None)
@given(value=_TEXT)
def test_cleaned_text_has_no_control_or_format_characters_and_is_stable(value):
    for clean, newlines in ((text.clean_name, False), (text.clean_body, True)):
        try:
            cleaned = clean(value)
        except Exception as error:  # noqa: BLE001 - only "nothing visible" may be raised
            assert error.code == "invisible", error
            continue
        assert _left_over_invisibles(cleaned, newlines=newlines) == []
        assert _longest_mark_run(cleaned) <= text.MAX_MARKS
        assert unicodedata.is_normalized("NFKC", cleaned)
        assert clean(cleaned) == cleaned  # cleaning twice changes nothing
        assert "\r" not in cleaned and (newlines or "\n" not in cleaned)


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=_TEXT, body=_TEXT)
def test_any_name_and_body_posted_is_never_a_500_and_is_stored_clean(client, article, name, body):
    Comment.objects.all().delete()

    response = post(client, article, name=name, body=body)

    assert response.status_code in {HTTPStatus.SEE_OTHER, HTTPStatus.BAD_REQUEST}
    for comment in Comment.objects.all():
        assert _left_over_invisibles(comment.name, newlines=False) == []
        assert _left_over_invisibles(comment.body, newlines=True) == []
        assert len(comment.name) <= 80 and len(comment.body) <= 3000
