"""The emitter writes what every YAML reader reads back as the same data."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.yamlio.writer import dump

keys = st.text(min_size=1, max_size=20)
scalars = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "yes",
            "no",
            "on",
            "off",
            "null",
            "~",
            "1.0",
            "0123",
            "1e3",
            ".inf",
            "2024-01-01",
            "12:30",
            "=",
            "*a",
            "&b",
            "!t",
            "- x",
            "a: b",
            "#c",
            "'q'",
            '"d"',
            "|",
            ">",
            "@x",
            "`y`",
            "%z",
            "\u2028",
            "\x85",
            "\ufeff",
        ]
    ),
    st.integers(min_value=-(2**62), max_value=2**62),
    st.booleans(),
    st.none(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).filter(lambda v: not any(isinstance(i, list) and i for i in v)),
        st.dictionaries(keys, inner, max_size=4),
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(keys, values, max_size=6))
def test_round_trip_through_libyaml(data: dict[str, Any]) -> None:
    text = dump(data)
    assert yaml.load(text, Loader=yaml.CSafeLoader) == data
    assert yaml.safe_load(text) == data


def test_multiline_text_becomes_a_literal_block() -> None:
    text = dump({"patch": "a: 1\nb: 2\n"})
    assert text == "patch: |\n  a: 1\n  b: 2\n"


def test_strings_that_other_readers_would_retype_are_quoted() -> None:
    assert dump({"a": "yes", "b": "0123", "c": "1.4", "d": "plain/path"}) == (
        'a: "yes"\nb: "0123"\nc: "1.4"\nd: plain/path\n'
    )
