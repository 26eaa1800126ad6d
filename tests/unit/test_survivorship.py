"""Survivorship: most recent, source priority and most frequent, each order-independent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from resolvers.customer360.survivorship import AttributeEvidence, is_empty, survive
from resolvers.identity.policy import Survivorship

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def seen(obs_id: str, source: str, hours: int, **attributes: Any) -> AttributeEvidence:
    """One observation ``hours`` after T0."""
    return AttributeEvidence(obs_id, source, T0 + timedelta(hours=hours), attributes)


def test_most_recent_takes_the_latest_non_empty_value_with_its_provenance() -> None:
    found = survive(
        [
            seen("o1", "crm", 0, first_name="Jane", city="Taipei"),
            seen("o2", "eshop", 2, first_name="  ", city="Tainan"),
            seen("o3", "pos", 1, first_name="Janet", city=None),
        ],
        Survivorship(),
    )
    assert found["first_name"].value == "Janet"
    assert found["first_name"].source == "pos"
    assert found["first_name"].observation_id == "o3"
    assert found["first_name"].observed_at == T0 + timedelta(hours=1)
    assert found["first_name"].rule == "most_recent"
    assert found["first_name"].alternatives == 1
    assert found["city"].value == "Tainan"


def test_a_tie_in_time_goes_to_the_greater_observation_id() -> None:
    found = survive(
        [seen("o2", "crm", 0, tier="Gold"), seen("o1", "pos", 0, tier="Silver")], Survivorship()
    )
    assert found["tier"].value == "Gold"


def test_empty_values_never_survive() -> None:
    empty: list[Any] = [None, "", "   ", [], {}]
    full: list[Any] = [0, False, "x", [0], {"a": None}]
    assert all(is_empty(v) for v in empty)
    assert not any(is_empty(v) for v in full)
    found = survive([seen("o1", "crm", 0, a=None, b=[], c={}, d=" ")], Survivorship())
    assert found == {}


def test_source_priority_prefers_listed_sources_in_order_then_recency() -> None:
    rules = Survivorship(
        default="most_recent", sources=("crm", "loyalty"), attributes={"email": "source_priority"}
    )
    observations = [
        seen("o1", "eshop", 9, email="new@x.com"),
        seen("o2", "loyalty", 5, email="loyal@x.com"),
        seen("o3", "crm", 1, email="old-crm@x.com"),
        seen("o4", "crm", 2, email="crm@x.com"),
        seen("o5", "crm", 3, email=""),
    ]
    found = survive(observations, rules)["email"]
    assert (found.value, found.source, found.rule) == ("crm@x.com", "crm", "source_priority")
    assert found.alternatives == 3
    # without crm, loyalty wins; without any listed source, the most recent unlisted one
    assert survive(observations[:2], rules)["email"].value == "loyal@x.com"
    unlisted = [seen("o1", "eshop", 1, email="a@x.com"), seen("o2", "pos", 2, email="b@x.com")]
    assert survive(unlisted, rules)["email"].value == "b@x.com"


def test_most_frequent_compares_lightly_normalised_values_but_shows_them_as_given() -> None:
    rules = Survivorship(attributes={"city": "most_frequent"})
    observations = [
        seen("o1", "crm", 0, city="Taipei"),
        seen("o2", "pos", 1, city=" taipei "),
        seen("o3", "eshop", 2, city="TAIPEI"),
        seen("o4", "eshop", 3, city="Tainan"),
        seen("o5", "eshop", 4, city="Tainan"),
    ]
    found = survive(observations, rules)["city"]
    assert (found.value, found.observation_id, found.alternatives) == ("TAIPEI", "o3", 1)


def test_most_frequent_ties_go_to_the_value_seen_most_recently() -> None:
    rules = Survivorship(default="most_frequent")
    observations = [
        seen("o1", "crm", 0, city="Taipei"),
        seen("o2", "crm", 3, city="Tainan"),
        seen("o3", "crm", 1, city="Taipei"),
        seen("o4", "crm", 2, city="Tainan"),
    ]
    assert survive(observations, rules)["city"].value == "Tainan"


def test_plain_tuples_are_accepted() -> None:
    found = survive([("o1", "crm", T0, {"first_name": "Jane"})], Survivorship())
    assert found["first_name"].value == "Jane"


def test_non_string_values_survive_and_compare_as_json() -> None:
    rules = Survivorship(default="most_frequent")
    observations = [
        seen("o1", "crm", 0, tags=["a", "b"], vip=True),
        seen("o2", "crm", 1, tags=["a", "b"], vip=1),
        seen("o3", "crm", 2, tags=["c"], vip=True),
    ]
    found = survive(observations, rules)
    assert found["tags"].value == ["a", "b"] and found["tags"].alternatives == 1
    assert found["vip"].value is True


values = st.one_of(
    st.none(),
    st.sampled_from(["Jane", "jane ", "JANE", "Janet", "", "  "]),
    st.integers(0, 2),
    st.lists(st.sampled_from(["a", "b"]), max_size=2),
)
observation = st.tuples(
    st.sampled_from(["crm", "pos", "eshop", "loyalty"]),
    st.integers(0, 5),
    st.fixed_dictionaries({}, optional={"first_name": values, "city": values, "tags": values}),
)


@settings(max_examples=300, deadline=None)
@given(
    raw=st.lists(observation, max_size=12),
    rule=st.sampled_from(["most_recent", "source_priority", "most_frequent"]),
    data=st.data(),
)
def test_the_result_does_not_depend_on_the_order_of_observations(
    raw: list[tuple[str, int, dict[str, Any]]], rule: str, data: Any
) -> None:
    observations = [
        seen(f"o{n:02d}", source, hours, **attributes)
        for n, (source, hours, attributes) in enumerate(raw)
    ]
    rules = Survivorship(default=rule, sources=("loyalty", "crm"))
    shuffled = data.draw(st.permutations(observations))
    assert survive(shuffled, rules) == survive(observations, rules)
