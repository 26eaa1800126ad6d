"""Hypothesis strategies shared by the property tests: a small world where values collide."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st

from resolvers.identity.observations import RawIdentifier, RawObservation
from resolvers.identity.policy import load_policy
from tests.factories import START

# A small world so that values collide: shared phones, repeated e-mails, two CRM ids.
VALUES = {
    "crm_id": [f"C{i}" for i in range(1, 5)],
    "loyalty_id": [f"L{i}" for i in range(1, 4)],
    "email": [f"u{i}@x.com" for i in range(1, 7)],
    "phone": ["0912-000-11" + str(i) for i in range(1, 6)]
    + ["(02) 2712-345" + str(i) for i in range(1, 3)],
    "anonymous_id": [f"a{i}" for i in range(1, 5)],
}
# Given and family names: Han names the traits compare, Latin ones that only forgive a
# date typo or keep a value personal when they all name one person ("Jane Doe", "Jane Do").
NAMES = [
    ("美玲", "陳"), ("志明", "林"), ("美鈴", "陳"), ("美玲", None),
    ("Jane", "Doe"), ("Jane", "Do"), ("Mary", "Doe"), ("Jane", None), None,
]  # fmt: skip
# two dates far apart; slips that chain (01-02 ~ 01-03 ~ 01-13, not 01-02 ~ 01-13); a typo
# only a name can forgive
BIRTHS = ["1980-01-02", "1990-05-06", "1980-01-03", "1980-01-13", "1908-01-02", None]

identifier = st.sampled_from([(k, v) for k, vs in VALUES.items() for v in vs])
observation = st.tuples(
    st.lists(identifier, min_size=1, max_size=4),
    st.integers(min_value=0, max_value=400),
    st.sampled_from(NAMES),
    st.sampled_from(BIRTHS),
)


Name = tuple[str, str | None] | None


def materialise(
    specs: list[tuple[list[tuple[str, str]], int, Name, str | None]],
) -> list[RawObservation]:
    out = []
    for i, (ids, hours, name, birth) in enumerate(specs):
        attributes = {}
        if name:
            attributes["first_name"] = name[0]
            if name[1]:
                attributes["last_name"] = name[1]
        if birth:
            attributes["birth_date"] = birth
        out.append(
            RawObservation(
                f"o{i}",
                "crm" if i % 2 else "pos",
                START + timedelta(hours=hours),
                [RawIdentifier(k, v) for k, v in ids],
                attributes,
            )
        )
    return out


# With links only between linking kinds, no limits, no generic rule, no traits, no person
# matching and no placeholders, nothing can conflict: customers must be plain connected
# components.
PERMISSIVE = load_policy(
    """
[kinds.crm_id]
limit = 100
[kinds.loyalty_id]
limit = 100
per_person = false
[kinds.email]
limit = 100
shareable = false
[kinds.phone]
limit = 100
shareable = false
per_person = false
[kinds.phone.fixed_lines]
role = "link"
shareable = false
max_neighbours = { email = 1000 }
[kinds.anonymous_id]
shareable = false
max_neighbours = { email = 1000, user_id = 1000 }
[generic]
max_per_kind = 1000
max_total = 1000
conflict_attributes = []
name_attributes = []
family_name_attributes = []
[placeholders]
email = []
phone_digits = []
[match]
enabled = false
"""
)
