import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from athletics.marks import Measure, format_mark, is_better, parse_mark

MAX_BY_MEASURE = {
    Measure.TIME: 99 * 360000 + 59 * 6000 + 5999,  # 99:59:59.99
    Measure.DISTANCE: 99999,  # 999.99 m
    Measure.HEIGHT: 99999,
    Measure.POINTS: 99999,
}


@pytest.mark.parametrize(
    ("text", "measure", "value"),
    [
        ("3:29.38", Measure.TIME, 20938),
        ("7:42.98", Measure.TIME, 46298),
        ("8:00.67", Measure.TIME, 48067),
        ("13:13.66", Measure.TIME, 79366),
        ("27:05.17", Measure.TIME, 162517),
        ("9.58", Measure.TIME, 958),
        ("2:01:09", Measure.TIME, 726900),
        ("2.35", Measure.HEIGHT, 235),
        ("8.95", Measure.DISTANCE, 895),
        ("8998", Measure.POINTS, 8998),
    ],
)
def test_parse_and_format_known_marks(text, measure, value):
    assert parse_mark(text, measure) == value
    assert format_mark(value, measure) == text


@pytest.mark.parametrize(
    ("text", "measure", "value", "shown"),
    [
        ("3:29.4", Measure.TIME, 20940, "3:29.40"),
        (" 3:29.38 ", Measure.TIME, 20938, "3:29.38"),
        ("2.3", Measure.HEIGHT, 230, "2.30"),
        ("8", Measure.DISTANCE, 800, "8.00"),
    ],
)
def test_short_notation_is_normalised(text, measure, value, shown):
    assert parse_mark(text, measure) == value
    assert format_mark(value, measure) == shown


@pytest.mark.parametrize(
    ("text", "measure"),
    [
        ("3:7x", Measure.TIME),
        ("-1", Measure.TIME),
        ("", Measure.TIME),
        ("abc", Measure.TIME),
        ("0", Measure.TIME),
        ("0.00", Measure.TIME),
        ("3:60.00", Measure.TIME),
        ("3:29.381", Measure.TIME),
        ("1:2:3", Measure.TIME),
        (None, Measure.TIME),
        ("-2.35", Measure.HEIGHT),
        ("2,35", Measure.HEIGHT),
        ("2.35m", Measure.DISTANCE),
        ("0", Measure.DISTANCE),
        ("89.98.1", Measure.DISTANCE),
        ("8998.5", Measure.POINTS),
        ("-1", Measure.POINTS),
        ("abc", Measure.POINTS),
    ],
)
def test_nonsense_is_rejected_with_a_clear_error(text, measure):
    with pytest.raises(ValidationError) as excinfo:
        parse_mark(text, measure)
    assert excinfo.value.code == "invalid_mark"


def test_format_of_no_mark_is_empty():
    assert format_mark(None, Measure.TIME) == ""


@given(data=st.data(), measure=st.sampled_from(list(Measure)))
def test_every_stored_value_formats_and_parses_back(data, measure):
    value = data.draw(st.integers(min_value=1, max_value=MAX_BY_MEASURE[measure]))
    text = format_mark(value, measure)
    assert parse_mark(text, measure) == value
    # And the notation is canonical: formatting what was parsed gives the same text.
    assert format_mark(parse_mark(text, measure), measure) == text


@given(text=st.text(max_size=12), measure=st.sampled_from(list(Measure)))
def test_any_text_is_either_rejected_or_round_trips(text, measure):
    try:
        value = parse_mark(text, measure)
    except ValidationError:
        return
    assert value > 0
    assert parse_mark(format_mark(value, measure), measure) == value


@given(
    text=st.sampled_from(["3:7x", "-1", "", "abc", "--", "1:", ":30", "3:29.", "1e3", "½"]),
    measure=st.sampled_from(list(Measure)),
)
def test_known_nonsense_is_rejected_in_every_measure(text, measure):
    with pytest.raises(ValidationError):
        parse_mark(text, measure)


def test_is_better_respects_the_measure():
    assert is_better(20779, 20832, Measure.TIME)
    assert not is_better(20832, 20779, Measure.TIME)
    assert is_better(235, 233, Measure.HEIGHT)
    assert not is_better(233, 235, Measure.DISTANCE)
    assert not is_better(235, 235, Measure.HEIGHT)  # a tie is not better
