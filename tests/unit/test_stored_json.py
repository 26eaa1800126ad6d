"""What the service stores as free-form JSON (resolvers/stored_json.py): bounds and canon."""

from __future__ import annotations

import math
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolvers.stored_json import MAX_DEPTH, MAX_INT, MIN_INT, NotStorable, stored

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.characters(codec=None))  # lone surrogates included
)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@given(documents)
def test_whatever_is_accepted_serialises_and_is_its_own_canon(value: Any) -> None:
    try:
        canon = stored(value)
    except NotStorable as error:
        assert error.code in {"int_out_of_range", "not_finite", "invalid_unicode", "too_deep"}
        return
    encoded = orjson.dumps(canon, option=orjson.OPT_SORT_KEYS)  # never raises
    assert orjson.loads(encoded) == canon
    assert stored(canon) == canon


@given(st.integers(min_value=-(2**53), max_value=2**53))
def test_a_whole_float_is_the_integer_it_spells(n: int) -> None:
    as_float, as_int = stored({"n": float(n)}), stored({"n": n})
    assert as_float == as_int
    assert orjson.dumps(as_float) == orjson.dumps(as_int)


@pytest.mark.parametrize(
    ("value", "loc", "code"),
    [
        ({"a": MAX_INT + 1}, ("a",), "int_out_of_range"),
        ({"a": [0, MIN_INT - 1]}, ("a", 1), "int_out_of_range"),
        ({"a": {"b": math.nan}}, ("a", "b"), "not_finite"),
        ({"a": -math.inf}, ("a",), "not_finite"),
        ({"a": "x\ud800"}, ("a",), "invalid_unicode"),
        ({"k\udc00": 1}, ("k\\udc00",), "invalid_unicode"),
        ({1: 1}, ("1",), "not_json"),
        ({"a": {1, 2}}, ("a",), "not_json"),
    ],
)
def test_what_is_not_stored_is_located(value: Any, loc: tuple[Any, ...], code: str) -> None:
    with pytest.raises(NotStorable) as raised:
        stored(value)
    assert (raised.value.loc, raised.value.code) == (loc, code)


def test_containers_nest_at_most_max_depth_levels_below_the_value() -> None:
    deepest: Any = "leaf"
    for _ in range(MAX_DEPTH):
        deepest = [deepest]
    assert stored({"x": deepest}) == {"x": deepest}  # the object itself is level 0
    with pytest.raises(NotStorable) as raised:
        stored({"x": [deepest]})
    assert raised.value.code == "too_deep"
    assert len(raised.value.loc) == MAX_DEPTH + 1


def test_extremes_inside_the_bounds_are_kept() -> None:
    value = {"max": MAX_INT, "min": MIN_INT, "big": 1e300, "tiny": 5e-324, "text": "\U0010ffff"}
    assert stored(value) == value
