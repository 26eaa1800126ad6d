"""Given and family names read from the two fields as channels fill them."""

from __future__ import annotations

import pytest

from resolvers.identity.person.names import split_name
from resolvers.identity.person.record import person_record


@pytest.mark.parametrize(
    ("given", "family", "expected"),
    [
        ("佳瑜", "楊", ("佳瑜", "楊")),  # as it should be
        ("吳", "欣怡", ("欣怡", "吳")),  # swapped
        ("吳", None, ("", "吳")),  # a family name alone in the given-name field
        ("楊小姐", None, ("", "楊")),  # family name and title
        ("先生", "黃", ("", "黃")),  # a title for the given name
        ("美玲 小姐", None, ("", "美玲")),  # what is left of a titled field is no given name
        ("Mr. Tanaka", None, ("", "Tanaka")),
        ("Dr Jane", "Doe", ("", "Doe")),
        ("Jane", "Doe", ("Jane", "Doe")),
        ("Miss", None, ("", "")),
        ("美", "林", ("美", "林")),  # a one-character given name that is no family name
        ("林", "美", ("林", "美")),  # two one-character names: left as written
        (None, "Doe", ("", "Doe")),
        (42, None, ("", "")),
    ],
)
def test_split_name(given: object, family: object, expected: tuple[str, str]) -> None:
    assert split_name(given, family) == expected


def test_the_matcher_compares_names_as_split() -> None:
    swapped = person_record({"first_name": "吳", "last_name": "欣怡"})
    assert (swapped.first_name, swapped.last_name) == (
        person_record({"first_name": "欣怡"}).first_name,
        person_record({"last_name": "吳"}).last_name,
    )
    assert person_record({"first_name": "楊小姐"}).first_name == ""


@pytest.mark.parametrize(
    ("han", "spelt"),
    [
        ("萱蓉", "hsuan jung"),
        ("陳", "chen"),
        ("志明", "chih ming"),
        ("翠蓉", "tsui jung"),
        ("Amy", ""),
    ],
)
def test_wade_giles_spells_han_names_as_taiwanese_documents_do(han: str, spelt: str) -> None:
    from resolvers.identity.person.names import wade_giles

    assert wade_giles(han) == spelt
