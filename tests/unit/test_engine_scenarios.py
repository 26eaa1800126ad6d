"""The resolver through its use cases on an in-memory SQLite store: channel mess that must not
glue people together, steward actions and their audit, ids that survive merges and splits.

Order independence and equality with networkx components are the subject of
test_resolution_properties.py; the property test here interleaves steward actions with new
and replayed evidence.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.engine import Engine
from app.errors import Conflict, NotFound, Unprocessable
from app.services import inspection, stewardship
from app.services.customers import resolve
from app.services.evidence import load_evidence, reresolve
from app.services.stitching import stitch
from app.services.verification import verify
from app.store.sqlite.store import SqliteStore
from resolvers.errors import ValidationFailed
from resolvers.identity.changes import AuditEntry, ChangeSet
from resolvers.identity.customer_ids import derive_id
from resolvers.identity.evidence import (
    PERSON_SOURCE,
    REVIEW_PREFIX,
    CustomerState,
    IdentifierState,
    LinkRecord,
    LinkState,
    Status,
    pair_of,
)
from resolvers.identity.normalise import Normaliser
from resolvers.identity.observations import RawIdentifier, RawObservation
from resolvers.identity.policy import load_policy
from tests.factories import (
    NOW,
    POLICY,
    START,
    customer_of,
    engine_for,
    ident,
    link_decisions,
    link_states,
    membership,
    obs,
    partition,
)

MEI_MOBILE = "+886937615284"
ZHI_MOBILE = "+886958204731"
LANDLINE = "+886227581937"


@pytest.fixture
def engine() -> Engine:
    return engine_for(SqliteStore(":memory:"))


def states(engine: Engine, *keys: str) -> dict[str, IdentifierState]:
    return engine.store.read(lambda tx: tx.identifiers(keys))


def key_of(engine: Engine, kind: str, raw: str) -> str:
    """The key a raw value normalises to."""
    out = engine.normaliser.normalise(kind, raw)
    assert out
    return out[0].identifier.key


def history(engine: Engine, customer_id: str) -> list[AuditEntry]:
    """Audit entries of a customer, newest first."""
    return [record.entry for record in inspection.history(engine, customer_id)[1]]


def customers(engine: Engine) -> dict[str, CustomerState]:
    return {c.id: c for batch in engine.store.scan_customers(1000) for c in batch}


def assert_consistent(engine: Engine) -> None:
    report = verify(engine)
    assert report.clean and not report.drift, report.drift


# -- channel mess that must not glue people ------------------------------------------------------

BUYERS = [
    ("LC-2024-0001", "0958-204-731", "zhiming.wang@yahoo.com.tw"),
    ("LC-2024-0002", "0921-378-465", "yating.chen@hinet.net"),
    ("LC-2024-0003", "0975-613-208", "kevin.huang@gmail.com"),
    ("LC-2024-0004", "0986-245-173", "ivy.tsai@outlook.com"),
    ("LC-2024-0005", "0932-870-516", "eric.lee@yahoo.com.tw"),
    ("LC-2024-0006", "0963-108-427", "grace.lin@gmail.com"),
]


@pytest.mark.parametrize(
    ("desk", "key"),
    [
        (["0937-615-284", "0937 615 284", "+886 937 615 284"], f"phone:{MEI_MOBILE}"),
        (["(02) 2758-1937", "02-2758-1937", "02 27581937"], f"phone:{LANDLINE}"),
    ],
    ids=["front-desk-mobile", "front-desk-landline"],
)
def test_a_shop_front_desk_phone_on_walk_in_sales_does_not_glue_the_buyers(
    engine: Engine, desk: list[str], key: str
) -> None:
    signups = [
        obs(
            f"loyalty-{i:04d}",
            ("loyalty_id", card),
            ("phone", mobile),
            ("email", mail),
            hours=i,
            source="loyalty",
        )
        for i, (card, mobile, mail) in enumerate(BUYERS)
    ]
    stitch(engine, signups, "test")
    founded = {card: customer_of(engine, "loyalty_id", card) for card, _, _ in BUYERS}
    # the cashier types the shop's own number for members who do not give theirs
    for i, (card, _, _) in enumerate(BUYERS):
        sale = obs(
            f"pos-{i:05d}",
            ("loyalty_id", card),
            ("phone", desk[i % len(desk)]),
            hours=100 + i,
            source="pos",
        )
        stitch(engine, [sale], "test")

    desk_state = states(engine, key)[key]
    assert desk_state.status is Status.GENERIC
    assert desk_state.customer_id is None
    assert partition(engine.store) == {
        frozenset(
            {
                key_of(engine, "loyalty_id", card),
                key_of(engine, "phone", mobile),
                key_of(engine, "email", mail),
            }
        )
        for card, mobile, mail in BUYERS
    }
    # every buyer kept the id their sign-up founded
    assert {card: customer_of(engine, "loyalty_id", card) for card, _, _ in BUYERS} == founded
    assert all(
        state == "rejected" for pair, state in link_states(engine.store).items() if key in pair
    )
    assert_consistent(engine)


FAMILY = {
    "mailbox": ("email", "Chen.Family@Yahoo.com.tw", "email:chen.family@yahoo.com.tw"),
    "landline": ("phone", "(02) 2758-1937", f"phone:{LANDLINE}"),
}


@pytest.mark.parametrize("shared", sorted(FAMILY))
def test_a_family_mailbox_or_landline_keeps_two_people_with_different_birth_dates_apart(
    engine: Engine, shared: str
) -> None:
    kind, raw, key = FAMILY[shared]
    stitch(
        engine,
        [
            obs(
                "crm-0001",
                ("crm_id", "C1001"),
                (kind, raw),
                first_name="美玲",
                birth_date="1980-01-02",
            ),
            obs(
                "line-0001", ("crm_id", "C1001"), ("phone", "0937-615-284"), hours=1, source="line"
            ),
            obs(
                "crm-0002",
                ("crm_id", "C1002"),
                (kind, raw),
                hours=5,
                first_name="志明",
                birth_date="1978/11/30",
            ),
            obs(
                "line-0002", ("crm_id", "C1002"), ("phone", "0958 204 731"), hours=6, source="line"
            ),
        ],
        "test",
    )
    assert partition(engine.store) == {
        frozenset({"crm_id:C1001", f"phone:{MEI_MOBILE}"}),
        frozenset({"crm_id:C1002", f"phone:{ZHI_MOBILE}"}),
    }
    state = states(engine, key)[key]
    assert (state.status, state.customer_id) == (Status.GENERIC, None)
    assert state.status_reason == "shared: records carrying it give 2 different birth dates"
    assert_consistent(engine)


LINE_1 = (("email", "mei.chen@gmail.com"), ("phone", "0958 204 731"))
DUAL_SIM = [
    obs("eshop-1", ("email", "mei.chen@gmail.com"), ("phone", "0937-615-284"), first_name="美玲"),
    obs("line-1", ("email", "mei.chen@gmail.com"), ("phone", "0958 204 731"), hours=5),
]


def test_an_email_seen_with_two_mobiles_stays_personal_when_its_records_describe_one_person(
    engine: Engine,
) -> None:
    # One person with two mobiles: every record names one person and contradicts nothing.
    named = [DUAL_SIM[0], obs("line-1", *LINE_1, hours=5, first_name="美玲")]
    stitch(engine, named, "test")
    assert partition(engine.store) == {
        frozenset({"email:meichen@gmail.com", f"phone:{MEI_MOBILE}", f"phone:{ZHI_MOBILE}"})
    }
    assert_consistent(engine)


def test_an_email_seen_with_two_mobiles_is_shared_when_its_records_describe_two_people(
    engine: Engine,
) -> None:
    couple = [*DUAL_SIM, obs("pos-2", ("phone", "0958 204 731"), hours=6, first_name="志明")]
    couple[1] = obs("line-1", *LINE_1, hours=5, first_name="志明")
    stitch(engine, couple, "test")
    assert partition(engine.store) == {
        frozenset({f"phone:{MEI_MOBILE}"}),
        frozenset({f"phone:{ZHI_MOBILE}"}),
    }
    state = states(engine, "email:meichen@gmail.com")["email:meichen@gmail.com"]
    assert state.status_reason == "shared: records carrying it name different people (han names)"


def test_a_record_that_says_nothing_of_the_person_leaves_the_count_to_decide(
    engine: Engine,
) -> None:
    # The LINE record names nobody: the mobiles may be two people's, as before.
    stitch(engine, DUAL_SIM, "test")
    assert partition(engine.store) == {
        frozenset({f"phone:{MEI_MOBILE}"}),
        frozenset({f"phone:{ZHI_MOBILE}"}),
    }
    state = states(engine, "email:meichen@gmail.com")["email:meichen@gmail.com"]
    assert (
        state.status_reason
        == "shared: seen with 2 different phone values that are one person's each"
    )
    assert_consistent(engine)


def test_an_email_whose_records_all_give_one_latin_full_name_stays_personal(
    engine: Engine,
) -> None:
    # One person's mailbox written with both of their mobiles, named by an e-shop and a CRM:
    # Latin names are spelt many ways, so they never refuse, but given and family names that
    # agree ("Jane Doe", "JANE DOE", "Doe Jane") say the records are one person's.
    jane = [
        obs("eshop-1", ("email", "jane.doe@gmail.com"), ("phone", "0937-615-284"),
            first_name="Jane", last_name="Doe"),
        obs("crm-1", ("email", "jane.doe@gmail.com"), ("phone", "0958 204 731"), hours=5,
            first_name="DOE", last_name="JANE"),
    ]  # fmt: skip
    stitch(engine, jane, "test")
    assert partition(engine.store) == {
        frozenset({"email:janedoe@gmail.com", f"phone:{MEI_MOBILE}", f"phone:{ZHI_MOBILE}"})
    }
    assert_consistent(engine)


def test_an_email_whose_records_name_two_latin_people_leaves_the_count_to_decide(
    engine: Engine,
) -> None:
    # A family mailbox: mother and daughter, same family name, different given names.
    family = [
        obs("eshop-1", ("email", "doe.family@gmail.com"), ("phone", "0937-615-284"),
            first_name="Mary", last_name="Doe"),
        obs("crm-1", ("email", "doe.family@gmail.com"), ("phone", "0958 204 731"), hours=5,
            first_name="Emma", last_name="Doe"),
    ]  # fmt: skip
    stitch(engine, family, "test")
    assert partition(engine.store) == {
        frozenset({f"phone:{MEI_MOBILE}"}),
        frozenset({f"phone:{ZHI_MOBILE}"}),
    }
    assert_consistent(engine)


def _mailbox_records(second_name: tuple[str, str], second_birth: str) -> list[RawObservation]:
    given, family = second_name
    return [
        obs("crm-1", ("crm_id", "C1001"), ("email", "doe.home@gmail.com"),
            first_name="Mary", last_name="Doe", birth_date="1961-04-12"),
        obs("crm-2", ("crm_id", "C1002"), ("email", "doe.home@gmail.com"), hours=5,
            first_name=given, last_name=family, birth_date=second_birth),
    ]  # fmt: skip


def _forgiving() -> Engine:
    policy = load_policy('[generic]\ntypo_attributes = ["birth_date"]\n')
    return Engine(SqliteStore(":memory:"), policy, Normaliser(policy, "TW"), clock=lambda: NOW)


def test_a_birth_date_typo_between_records_naming_one_person_is_forgiven_when_asked(
    engine: Engine,
) -> None:
    # The year typed 1916 for 1961: the records name the same person, so the date is a typo.
    forgiving = _forgiving()
    stitch(forgiving, _mailbox_records(("Marry", "Doe"), "1916-04-12"), "test")
    assert partition(forgiving.store) == {
        frozenset({"crm_id:C1001", "crm_id:C1002", "email:doehome@gmail.com"})
    }
    assert_consistent(forgiving)
    # by default no typo is forgiven: a father and son of one name look the same
    stitch(engine, _mailbox_records(("Marry", "Doe"), "1916-04-12"), "test")
    assert partition(engine.store) == {frozenset({"crm_id:C1001"}), frozenset({"crm_id:C1002"})}


def test_one_digit_of_the_year_mistyped_on_the_same_birthday_is_a_slip(engine: Engine) -> None:
    """1961-04-12 typed 1969-04-12: one keystroke, the day and month as given. The mailbox
    stays one person's; a father and son of one name differ in more than one digit, or in
    the birthday, and still keep it shared."""
    stitch(engine, _mailbox_records(("Mary", "Doe"), "1969-04-12"), "test")
    assert partition(engine.store) == {
        frozenset({"crm_id:C1001", "crm_id:C1002", "email:doehome@gmail.com"})
    }
    assert_consistent(engine)
    for other_birth in ("1988-04-12", "1961-05-30"):  # two digits of the year; another birthday
        apart = Engine(SqliteStore(":memory:"), engine.policy, engine.normaliser, clock=lambda: NOW)
        stitch(apart, _mailbox_records(("Mary", "Doe"), other_birth), "test")
        assert partition(apart.store) == {
            frozenset({"crm_id:C1001"}),
            frozenset({"crm_id:C1002"}),
        }, other_birth


def test_different_birth_dates_of_different_given_names_still_tell_people_apart() -> None:
    engine = _forgiving()
    stitch(engine, _mailbox_records(("Emma", "Doe"), "1991-08-30"), "test")
    state = states(engine, "email:doehome@gmail.com")["email:doehome@gmail.com"]
    assert state.status_reason == "shared: records carrying it give 2 different birth dates"
    assert partition(engine.store) == {frozenset({"crm_id:C1001"}), frozenset({"crm_id:C1002"})}
    assert_consistent(engine)


def test_a_date_given_by_a_record_without_a_full_name_forgives_nothing() -> None:
    engine = _forgiving()
    records = _mailbox_records(("Mary", "Doe"), "1916-04-12")
    records[1] = obs("crm-2", ("crm_id", "C1002"), ("email", "doe.home@gmail.com"), hours=5,
                     first_name="Mary", birth_date="1916-04-12")  # fmt: skip
    stitch(engine, records, "test")
    assert partition(engine.store) == {frozenset({"crm_id:C1001"}), frozenset({"crm_id:C1002"})}
    assert_consistent(engine)


def test_a_login_shared_by_two_people_still_tells_them_apart_by_given_name(
    engine: Engine,
) -> None:
    # One e-shop login seen with the CRM records of 志明 and of 美玲: a link between values no
    # household shares overlooks birth dates, not given names.
    records = [
        obs("crm-1", ("crm_id", "C10"), first_name="志明", birth_date="1958-03-01"),
        obs("crm-2", ("crm_id", "C11"), hours=1, first_name="美玲", birth_date="1988-07-09"),
        obs("eshop-1", ("user_id", "U10"), ("crm_id", "C10"), hours=2),
        obs("eshop-2", ("user_id", "U10"), ("crm_id", "C11"), hours=3),
    ]
    stitch(engine, records, "test")
    assert partition(engine.store) == {
        frozenset({"crm_id:C10", "user_id:U10"}),
        frozenset({"crm_id:C11"}),
    }
    assert link_decisions(engine.store)[("crm_id:C11", "user_id:U10")] == (
        "rejected",
        "traits: the two sides give different given names (han)",
    )
    assert_consistent(engine)


@pytest.mark.parametrize(
    ("kind", "value", "partner"),
    [
        ("user_id", "U10", {"first_name": "美玲", "last_name": "林"}),
        ("loyalty_id", "LC-2024-0001", {"first_name": "美玲", "last_name": "林"}),
        # the holder's records give his passport spelling, hers the Han name: neither her
        # given nor her family name agrees with his in any spelling
        ("user_id", "U10", {"first_name": "美玲", "last_name": "林", "holder": "latin"}),
    ],
    ids=["login", "loyalty-card", "login-across-scripts"],
)
def test_a_login_or_card_lent_to_another_person_stops_linking(
    engine: Engine, kind: str, value: str, partner: dict[str, str]
) -> None:
    # 志明's e-shop login (or loyalty card); his partner 美玲 orders on it once, with her own
    # mobile. Nothing shows which of the two holds it, so it joins neither to the other.
    holder = (
        {"first_name": "Chih-Ming", "last_name": "CHEN"}
        if partner.pop("holder", "") == "latin"
        else {"first_name": "志明", "last_name": "陳"}
    )
    records = [
        obs("shop-1", (kind, value), ("phone", "0958 204 731"), source="eshop", **holder),
        obs("shop-2", (kind, value), ("phone", "0937-615-284"), hours=5, source="eshop",
            **partner),
    ]  # fmt: skip
    stitch(engine, records, "test")
    key = key_of(engine, kind, value)
    state = states(engine, key)[key]
    assert state.status is Status.GENERIC
    assert (state.status_reason or "").startswith("shared by use: records carrying it name")
    assert partition(engine.store) == {
        frozenset({f"phone:{ZHI_MOBILE}"}),
        frozenset({f"phone:{MEI_MOBILE}"}),
    }
    assert_consistent(engine)


def test_a_login_whose_records_give_one_persons_english_and_han_names_keeps_linking(
    engine: Engine,
) -> None:
    # "Kevin Chen" in the app, "志明 陳" at the till: one person with an English name; the
    # family name agrees, so the login is still his.
    records = [
        obs("shop-1", ("user_id", "U10"), ("phone", "0958 204 731"), source="eshop",
            first_name="Kevin", last_name="Chen"),
        obs("shop-2", ("user_id", "U10"), ("phone", "0937-615-284"), hours=5, source="eshop",
            first_name="志明", last_name="陳"),
    ]  # fmt: skip
    stitch(engine, records, "test")
    assert states(engine, "user_id:U10")["user_id:U10"].status is Status.ACTIVE
    assert partition(engine.store) == {
        frozenset({"user_id:U10", f"phone:{ZHI_MOBILE}", f"phone:{MEI_MOBILE}"})
    }
    assert_consistent(engine)


@pytest.mark.parametrize(
    ("second", "shared"),
    [("美齡", False), ("維嘉", True)],
    ids=["homophone-slip", "siblings-sharing-a-character"],
)
def test_one_han_character_apart_is_a_slip_only_when_it_sounds_the_same(
    engine: Engine, second: str, shared: bool
) -> None:
    # An input method offers 齡 for 玲 (both ling): one person. Siblings 育嘉 and 維嘉 share
    # 嘉 and differ in a character that sounds different: two people on one mailbox.
    first = "美玲" if second == "美齡" else "育嘉"
    records = [
        obs("crm-1", ("email", "family@gmail.com"), ("phone", "0958 204 731"), first_name=first),
        obs("crm-2", ("email", "family@gmail.com"), hours=5, first_name=second),
    ]
    stitch(engine, records, "test")
    state = states(engine, "email:family@gmail.com")["email:family@gmail.com"]
    assert (state.status is Status.GENERIC) is shared
    assert_consistent(engine)


def test_a_value_no_household_shares_joins_records_whatever_their_birth_dates() -> None:
    # A national id is one person's by the policy (not shareable): records it joins that
    # disagree on a birth date disagree by a typo, even when the names were typed apart too.
    policy = load_policy("[kinds.national_id]\npriority = 100\n")
    eng = Engine(SqliteStore(":memory:"), policy, Normaliser(policy, "TW"), clock=lambda: NOW)
    records = [
        obs("gov-1", ("national_id", "A123456789"), ("crm_id", "C1001"),
            first_name="Spyke", last_name="Karlsen", birth_date="1964-10-29"),
        obs("gov-2", ("national_id", "A123456789"), ("crm_id", "C1002"), hours=5,
            first_name="Anthony", last_name="Goode", birth_date="1911-01-29"),
    ]  # fmt: skip
    stitch(eng, records, "test")
    assert partition(eng.store) == {
        frozenset({"national_id:A123456789", "crm_id:C1001", "crm_id:C1002"})
    }
    assert_consistent(eng)


def test_a_record_carrying_the_value_alone_does_not_silence_the_others(engine: Engine) -> None:
    # A newsletter sign-up with the address and nothing else brings nobody to it.
    named = [DUAL_SIM[0], obs("line-1", *LINE_1, hours=5, first_name="美玲")]
    sign_up = obs("news-1", ("email", "mei.chen@gmail.com"), hours=7, source="newsletter")
    stitch(engine, [*named, sign_up], "test")
    assert partition(engine.store) == {
        frozenset({"email:meichen@gmail.com", f"phone:{MEI_MOBILE}", f"phone:{ZHI_MOBILE}"})
    }
    assert_consistent(engine)


def test_a_han_name_and_its_wade_giles_spelling_name_one_person(engine: Engine) -> None:
    # The CRM keeps the passport spelling, the e-shop the name as she types it.
    records = [
        obs("crm-1", ("email", "hsuanjung@mail.com"), ("phone", "0937-615-284"),
            first_name="Hsuan-jung", last_name="LAI"),
        obs("eshop-1", ("email", "hsuanjung@mail.com"), ("phone", "0958 204 731"), hours=5,
            first_name="萱蓉", last_name="賴"),
    ]  # fmt: skip
    stitch(engine, records, "test")
    assert partition(engine.store) == {
        frozenset({"email:hsuanjung@mail.com", f"phone:{MEI_MOBILE}", f"phone:{ZHI_MOBILE}"})
    }
    assert_consistent(engine)


def test_a_title_typed_for_the_name_does_not_name_another_person(engine: Engine) -> None:
    # The front desk wrote "楊小姐" (Ms Yang): a family name and a title, not a given name.
    records = [
        obs("crm-1", ("email", "annie@gmail.com"), ("phone", "0937-615-284"),
            first_name="佳瑜", last_name="楊", birth_date="1990-02-03"),
        obs("booking-1", ("email", "annie@gmail.com"), ("phone", "0937 615 284"), hours=5,
            first_name="楊小姐"),
    ]  # fmt: skip
    stitch(engine, records, "test")
    assert states(engine, "email:annie@gmail.com")["email:annie@gmail.com"].status is Status.ACTIVE
    assert partition(engine.store) == {frozenset({"email:annie@gmail.com", f"phone:{MEI_MOBILE}"})}
    assert_consistent(engine)


def test_given_and_family_names_typed_in_each_others_fields_are_one_person(
    engine: Engine,
) -> None:
    records = [
        obs("eshop-1", ("email", "alice.wu@gmail.com"), ("phone", "0937-615-284"),
            first_name="欣怡", last_name="吳"),
        obs("loyalty-1", ("email", "alice.wu@gmail.com"), ("phone", "0958 204 731"), hours=5,
            first_name="吳", last_name="欣怡"),
    ]  # fmt: skip
    stitch(engine, records, "test")
    assert partition(engine.store) == {
        frozenset({"email:alicewu@gmail.com", f"phone:{MEI_MOBILE}", f"phone:{ZHI_MOBILE}"})
    }
    assert_consistent(engine)


def test_walk_in_buyers_of_different_family_names_share_the_shop_phone(engine: Engine) -> None:
    # A clerk typed the shop's own mobile for two walk-in buyers, "Mr Huang" and "Ms Wu".
    records = [
        obs("pos-1", ("phone", "0937-615-284"), ("email", "huang@mail.com"), last_name="黃",
            first_name="先生"),
        obs("pos-2", ("phone", "0937-615-284"), ("email", "wu@mail.com"), hours=2,
            first_name="吳小姐"),
    ]  # fmt: skip
    stitch(engine, records, "test")
    state = states(engine, f"phone:{MEI_MOBILE}")[f"phone:{MEI_MOBILE}"]
    assert state.status_reason == "shared: records carrying it give 2 different family names (han)"
    assert partition(engine.store) == {
        frozenset({"email:huang@mail.com"}),
        frozenset({"email:wu@mail.com"}),
    }
    assert_consistent(engine)


def test_max_persons_lets_a_brand_keep_two_mobiles_and_one_email_together() -> None:
    policy = load_policy("[generic]\nmax_persons = 2\n")
    lenient = Engine(SqliteStore(":memory:"), policy, Normaliser(policy, "TW"), clock=lambda: NOW)
    silent = [obs(o.id, *((i.kind, i.value) for i in o.identifiers), hours=1) for o in DUAL_SIM]
    stitch(lenient, silent, "test")
    assert partition(lenient.store) == {
        frozenset({"email:meichen@gmail.com", f"phone:{MEI_MOBILE}", f"phone:{ZHI_MOBILE}"})
    }
    # a third mobile on the same address, with nothing said of anyone, makes it shared
    stitch(lenient, [obs("pos-9", ("email", "mei.chen@gmail.com"), ("phone", "0911 223 344"))], "t")
    assert states(lenient, "email:meichen@gmail.com")["email:meichen@gmail.com"].status.value == (
        "generic"
    )


def test_a_trait_its_records_contradict_no_longer_speaks_for_the_customer(engine: Engine) -> None:
    # One CRM id, two records naming two people. The first record's name must not stay on
    # the customer: it would refuse a later merge with someone of the other name.
    stitch(engine, [obs("crm-1", ("crm_id", "C1001"), first_name="志明")], "test")
    stitch(
        engine,
        [obs("crm-2", ("crm_id", "C1001"), hours=1, first_name="美玲", birth_date="1980-01-02")],
        "test",
    )
    cid = customer_of(engine, "crm_id", "C1001")
    assert cid is not None
    customer = engine.store.read(lambda tx: tx.customers([cid]))[cid]
    assert customer.traits == {"birth_date": ("1980-01-02",)}
    assert_consistent(engine)


@pytest.mark.parametrize("shared", sorted(FAMILY))
def test_the_same_shared_value_on_two_records_of_one_person_is_not_generic(
    engine: Engine, shared: str
) -> None:
    # the control for the test above: CRM duplicates of one person (same birth date)
    kind, raw, key = FAMILY[shared]
    stitch(
        engine,
        [
            obs("crm-0001", ("crm_id", "C1001"), (kind, raw), birth_date="1980-01-02"),
            obs("crm-0002", ("crm_id", "C1002"), (kind, raw), hours=5, birth_date="1980-01-02"),
        ],
        "test",
    )
    assert states(engine, key)[key].status is Status.ACTIVE
    if shared == "mailbox":
        # an e-mail links: the two CRM records are one customer
        assert partition(engine.store) == {frozenset({"crm_id:C1001", "crm_id:C1002", key})}
    else:
        # a landline only attaches, to the customer of its strongest, oldest link
        assert partition(engine.store) == {
            frozenset({"crm_id:C1001", key}),
            frozenset({"crm_id:C1002"}),
        }
    assert_consistent(engine)


def test_a_value_seen_with_too_many_strong_identifiers_turns_generic_and_the_split_keeps_the_id(
    engine: Engine,
) -> None:
    mailbox = "email:service@kettle-shop.com.tw"
    cap = POLICY.generic.max_per_kind
    # the shop's mailbox first signs up for the newsletter: it founds the customer
    stitch(engine, [obs("mkt-1", ("email", "Service@Kettle-Shop.com.tw"), source="marketing")], "t")
    founder = derive_id(mailbox)
    assert customer_of(engine, "email", "service@kettle-shop.com.tw") == founder
    # then CRM staff type it on two customers' records: it glues them together
    stitch(
        engine,
        [
            obs(
                "crm-2002",
                ("crm_id", "C2002"),
                ("email", "service@kettle-shop.com.tw"),
                ("phone", "0937-615-284"),
                hours=1,
            ),
            obs(
                "crm-2001",
                ("crm_id", "C2001"),
                ("email", "service@kettle-shop.com.tw"),
                ("loyalty_id", "LC-88123"),
                ("line_id", "Uaa01"),
                hours=2,
            ),
        ],
        "t",
    )
    assert partition(engine.store) == {
        frozenset(
            {
                mailbox,
                "crm_id:C2002",
                f"phone:{MEI_MOBILE}",
                "crm_id:C2001",
                "loyalty_id:LC88123",
                "line_id:Uaa01",
            }
        )
    }
    assert customer_of(engine, "crm_id", "C2001") == founder
    # up to the cap the mailbox still links (a third CRM id is refused by the limit only)
    for n in range(3, cap + 1):
        stitch(
            engine,
            [obs(f"crm-200{n}", ("crm_id", f"C200{n}"), ("email", mailbox[6:]), hours=10 + n)],
            "t",
        )
        assert states(engine, mailbox)[mailbox].status is Status.ACTIVE
    stitch(engine, [obs("crm-2099", ("crm_id", "C2099"), ("email", mailbox[6:]), hours=30)], "t")

    state = states(engine, mailbox)[mailbox]
    assert state.status is Status.GENERIC
    assert state.status_reason == f"seen with {cap + 1} different crm_id values (more than {cap})"
    older, younger = (
        {"crm_id:C2002", f"phone:{MEI_MOBILE}"},
        {
            "crm_id:C2001",
            "loyalty_id:LC88123",
            "line_id:Uaa01",
        },
    )
    assert frozenset(older) in partition(engine.store)
    assert frozenset(younger) in partition(engine.store)
    # the part holding the oldest surviving evidence keeps the id, though it is the smaller
    # part and its anchor is not the identifier the id was derived from
    assert customer_of(engine, "crm_id", "C2002") == founder
    split_off = customer_of(engine, "crm_id", "C2001")
    assert split_off not in (None, founder)
    split = next(e for e in history(engine, founder) if e.action == "split")
    assert split.customer_ids == (founder, split_off)
    assert split.after["released"] == 1  # the mailbox left every customer
    assert "crm-2099" in split.reason
    assert_consistent(engine)


def test_an_absorbed_id_keeps_answering_with_the_survivor_through_a_chain_of_merges(
    engine: Engine,
) -> None:
    a = stitch(engine, [obs("crm-1", ("crm_id", "C1"), ("email", "a.lin@hinet.net"))], "t")
    b = stitch(
        engine,
        [
            obs(
                "loy-1",
                ("loyalty_id", "LC-1001"),
                ("phone", "0937-615-284"),
                hours=5,
                source="loyalty",
            )
        ],
        "t",
    )
    c = stitch(engine, [obs("line-1", ("line_id", "Uc0ffee"), hours=10, source="line")], "t")
    first, second, third = a[0].customer_id, b[0].customer_id, c[0].customer_id
    assert len({first, second, third}) == 3

    joined = stitch(
        engine,
        [
            obs(
                "line-2",
                ("line_id", "Uc0ffee"),
                ("phone", "+886937615284"),
                hours=11,
                source="line",
            )
        ],
        "t",
    )
    assert (joined[0].customer_id, joined[0].merged) == (second, [third])
    joined = stitch(
        engine,
        [
            obs(
                "eshop-1",
                ("email", "A.Lin@hinet.net"),
                ("loyalty_id", "lc 1001"),
                hours=12,
                source="eshop",
            )
        ],
        "t",
    )
    assert (joined[0].customer_id, joined[0].merged) == (first, [second])

    for absorbed in (second, third):
        graph = inspection.customer_graph(engine, absorbed)
        assert (graph["customer_id"], graph["requested_id"], graph["size"]) == (first, absorbed, 5)
        survivor, entries = inspection.history(engine, absorbed)
        assert survivor == first
        assert [r.entry.action for r in entries] == ["merge", "merge"]
        why = inspection.explain(
            engine, absorbed, ident("crm_id", "C1"), ident("line_id", "Uc0ffee")
        )
        assert (why.joined, why.customer_id) == (True, first)
    with pytest.raises(NotFound) as caught:
        inspection.customer_graph(engine, derive_id("crm_id:C404"))
    assert caught.value.code == "customer_not_found"


# -- steward decisions hold ----------------------------------------------------------------------


def amy(engine: Engine) -> str:
    """Amy's CRM record, e-shop order and LINE chat, joined by her e-mail and phone."""
    results = stitch(
        engine,
        [
            obs("crm-1", ("crm_id", "C3001"), ("email", "Amy.Lin@Gmail.com"), source="crm"),
            obs(
                "eshop-1",
                ("email", "amylin+shop@gmail.com"),
                ("phone", "0937 615 284"),
                hours=24,
                source="eshop",
            ),
            obs(
                "line-1",
                ("line_id", "Uabc123"),
                ("phone", "+886937615284"),
                hours=48,
                source="line",
            ),
        ],
        "test",
    )
    assert len({r.customer_id for r in results}) == 1
    return results[0].customer_id


def test_a_suppressed_link_stays_suppressed_when_the_same_evidence_arrives_again(
    engine: Engine,
) -> None:
    cid = amy(engine)
    email, phone = ident("email", "amy.lin@gmail.com"), ident("phone", "0937615284")
    stewardship.suppress_link(engine, email, phone, "phone is her brother's", "steward:ann")
    apart = partition(engine.store)
    assert apart == {
        frozenset({"crm_id:C3001", "email:amylin@gmail.com"}),
        frozenset({f"phone:{MEI_MOBILE}", "line_id:Uabc123"}),
    }
    # the same pair again, spelt otherwise, alone and in a batch that forces a re-resolution
    again = stitch(
        engine,
        [
            obs(
                "eshop-2",
                ("email", "a.m.y.lin@gmail.com"),
                ("phone", "0937-615-284"),
                hours=72,
                source="eshop",
            )
        ],
        "t",
    )
    assert again[0].rejected[0].reason == ("suppress_link by steward:ann: phone is her brother's")
    stitch(
        engine,
        [
            obs("crm-2", ("crm_id", "C3001"), ("phone", "0937615284"), hours=80),
            obs("crm-3", ("email", "amylin@gmail.com"), ("phone", "0937615284"), hours=81),
        ],
        "t",
    )
    pair = ("email:amylin@gmail.com", f"phone:{MEI_MOBILE}")
    assert link_states(engine.store)[pair] == "suppressed"
    # crm-2 offers another path from the CRM id to the phone, which is not cut
    assert customer_of(engine, "crm_id", "C3001") == customer_of(engine, "phone", "0937615284")
    stewardship.suppress_link(engine, ident("crm_id", "C3001"), phone, "same mistake", "ann")
    assert partition(engine.store) == apart
    assert customer_of(engine, "crm_id", "C3001") == cid
    assert_consistent(engine)


def test_restoring_a_cut_link_lets_the_evidence_decide_again(engine: Engine) -> None:
    cid = amy(engine)
    email, phone = ident("email", "amylin@gmail.com"), ident("phone", "0937615284")
    stewardship.suppress_link(engine, email, phone, "unsure", "ann")
    assert len(partition(engine.store)) == 2
    stewardship.restore_link(engine, email, phone, "checked with her", "ann")
    assert len(partition(engine.store)) == 1
    assert customer_of(engine, "line_id", "Uabc123") == cid
    assert link_states(engine.store)[("email:amylin@gmail.com", f"phone:{MEI_MOBILE}")] == "active"
    with pytest.raises(Conflict) as caught:
        stewardship.restore_link(engine, email, phone, "again", "ann")
    assert caught.value.code == "not_steward_decided"


def test_steward_refusals_name_what_is_wrong(engine: Engine) -> None:
    cid = amy(engine)
    with pytest.raises(NotFound) as caught:
        stewardship.suppress_link(
            engine, ident("crm_id", "C3001"), ident("line_id", "Uabc123"), "never together", "ann"
        )
    assert caught.value.code == "link_not_found"
    with pytest.raises(Unprocessable) as unprocessable:
        stewardship.suppress_link(
            engine,
            ident("email", "AmyLin@gmail.com"),
            ident("email", "amy.lin@gmail.com"),
            "same",
            "ann",
        )
    assert unprocessable.value.code == "same_identifier"
    with pytest.raises(NotFound) as caught:
        stewardship.detach(engine, ident("crm_id", "C9999"), "who?", "ann")
    assert caught.value.code == "identifier_not_found"
    with pytest.raises(Conflict) as conflict:
        stewardship.merge_customers(engine, [cid, cid], "same", "ann")
    assert conflict.value.code == "already_merged"
    with pytest.raises(ValidationFailed) as invalid:
        stewardship.block(engine, ident("phone", "0937-61"), "bad", "ann")
    assert invalid.value.errors[0].loc == ("identifier", "value")


def test_block_stops_a_value_linking_now_and_when_it_is_seen_again(engine: Engine) -> None:
    stitch(
        engine,
        [
            obs("crm-1", ("crm_id", "C1"), ("email", "pat@hinet.net"), birth_date="1980-01-02"),
            obs("crm-2", ("crm_id", "C2"), ("email", "Pat@Hinet.net"), hours=1),
        ],
        "t",
    )
    assert partition(engine.store) == {frozenset({"crm_id:C1", "crm_id:C2", "email:pat@hinet.net"})}
    before = customer_of(engine, "crm_id", "C1")
    stewardship.block(engine, ident("email", "PAT@hinet.net"), "the shop's mailbox", "steward:cy")
    assert partition(engine.store) == {frozenset({"crm_id:C1"}), frozenset({"crm_id:C2"})}
    assert customer_of(engine, "crm_id", "C1") == before  # it holds the oldest evidence
    # a value never seen can be blocked ahead of time
    stewardship.block(engine, ident("phone", "0958-204-731"), "front desk", "steward:cy")
    stitch(
        engine,
        [
            obs("crm-3", ("crm_id", "C3"), ("email", "pat@hinet.net"), hours=5),
            obs("pos-1", ("crm_id", "C4"), ("phone", "0958204731"), hours=6, source="pos"),
            obs("pos-2", ("crm_id", "C5"), ("phone", "+886958204731"), hours=7, source="pos"),
        ],
        "t",
    )
    assert partition(engine.store) == {frozenset({f"crm_id:C{i}"}) for i in range(1, 6)}
    blocked = states(engine, "email:pat@hinet.net", f"phone:{ZHI_MOBILE}")
    assert {s.status for s in blocked.values()} == {Status.BLOCKED}
    assert blocked["email:pat@hinet.net"].status_reason == (
        "blocked by steward:cy: the shop's mailbox"
    )
    # blocking twice changes nothing and writes nothing
    entries = len(history(engine, before))
    again = stewardship.block(engine, ident("email", "pat@hinet.net"), "again", "steward:cy")
    assert again.audit == () and len(history(engine, before)) == entries
    # unblocking lets the value link again
    stewardship.unblock(engine, ident("phone", "0958204731"), "a customer's own", "steward:cy")
    assert frozenset({"crm_id:C4", "crm_id:C5", f"phone:{ZHI_MOBILE}"}) in partition(engine.store)
    assert_consistent(engine)


def test_detach_takes_one_identifier_out_of_its_customer(engine: Engine) -> None:
    cid = amy(engine)
    result = stewardship.detach(engine, ident("phone", "0937 615 284"), "brother's phone", "ann")
    assert partition(engine.store) == {
        frozenset({"crm_id:C3001", "email:amylin@gmail.com"}),
        frozenset({"line_id:Uabc123"}),
        frozenset({f"phone:{MEI_MOBILE}"}),
    }
    assert customer_of(engine, "crm_id", "C3001") == cid
    assert result.identifiers[f"phone:{MEI_MOBILE}"] not in (None, cid)
    assert {
        pair: state
        for pair, state in link_states(engine.store).items()
        if pair[1].startswith("phone")
    } == {
        ("email:amylin@gmail.com", f"phone:{MEI_MOBILE}"): "suppressed",
        ("line_id:Uabc123", f"phone:{MEI_MOBILE}"): "suppressed",
    }
    assert_consistent(engine)


def test_a_steward_merge_may_pass_a_limit_and_later_evidence_may_not(engine: Engine) -> None:
    ids = [
        stitch(
            engine,
            [obs(f"crm-{i}", ("crm_id", f"C{i}"), ("email", f"w{i}@hinet.net"), hours=i)],
            "t",
        )[0].customer_id
        for i in range(1, 4)
    ]
    result = stewardship.merge_customers(engine, ids, "three CRM duplicates", "steward:bo")
    assert result.customers == [ids[0]]  # the oldest customer survives
    merged = customers(engine)[ids[0]]
    assert merged.kind_counts == {"crm_id": 3, "email": 3}
    assert merged.allowance == {"crm_id": 3}
    # the allowance is the steward's: a fourth CRM id is still refused by the limit
    out = stitch(engine, [obs("crm-4", ("crm_id", "C4"), ("email", "w1@hinet.net"), hours=9)], "t")
    assert (
        out[0].rejected[0].reason
        == "limit: a customer holds at most 3 crm_id; this merge would make 4"
    )
    assert customer_of(engine, "crm_id", "C4") != ids[0]
    assert_consistent(engine)


def test_explain_gives_the_evidence_chain_with_sources_times_and_observations(
    engine: Engine,
) -> None:
    cid = amy(engine)
    # the till sees her e-mail and phone together too: more evidence for the same link
    stitch(engine, [obs("pos-1", ("email", "AmyLin@gmail.com"), ("phone", "0937615284"),
                        hours=30, source="pos")], "t")  # fmt: skip
    why = inspection.explain(engine, cid, ident("crm_id", "C3001"), ident("line_id", "Uabc123"))
    assert (why.joined, why.customer_id) == (True, cid)
    assert why.summary == "crm_id:C3001 and line_id:Uabc123 are joined through 3 link(s)"
    chain = [
        (s["a"], s["b"], s["state"], s["count"], s["sources"], s["observations"],
         s["first_seen_at"] - START, s["last_seen_at"] - START)
        for s in why.path
    ]  # fmt: skip
    hours = [timedelta(hours=h) for h in (0, 24, 30, 48)]
    assert chain == [
        ("crm_id:C3001", "email:amylin@gmail.com", "active", 1, ["crm"], ["crm-1"],
         hours[0], hours[0]),
        ("email:amylin@gmail.com", f"phone:{MEI_MOBILE}", "active", 2, ["eshop", "pos"],
         ["eshop-1", "pos-1"], hours[1], hours[2]),
        ("line_id:Uabc123", f"phone:{MEI_MOBILE}", "active", 1, ["line"], ["line-1"],
         hours[3], hours[3]),
    ]  # fmt: skip
    # when apart, the chain through every link seen shows which link keeps them apart and why
    stewardship.suppress_link(
        engine, ident("email", "amylin@gmail.com"), ident("phone", "0937615284"), "not hers", "ann"
    )
    apart = inspection.explain(engine, cid, ident("crm_id", "C3001"), ident("line_id", "Uabc123"))
    assert (apart.joined, apart.customer_id) == (False, None)
    assert [s["state"] for s in apart.path] == ["active", "suppressed", "active"]
    assert apart.path[1]["decided_by"] == "ann" and apart.path[1]["decided_at"] == NOW
    assert apart.summary.endswith(
        f"email:amylin@gmail.com - phone:{MEI_MOBILE}: suppress_link by ann: not hers"
    )
    stitch(engine, [obs("crm-9", ("crm_id", "C9"), hours=99)], "t")
    never = inspection.explain(engine, cid, ident("crm_id", "C3001"), ident("crm_id", "C9"))
    assert (
        never.path == []
        and never.summary == "no evidence ever connected crm_id:C3001 and crm_id:C9"
    )


def test_the_customer_graph_shows_bridges_and_rejected_neighbours(engine: Engine) -> None:
    cid = amy(engine)
    stitch(
        engine,
        [
            obs("crm-2", ("crm_id", "C3002"), ("email", "amylin@gmail.com"), hours=60),
            obs("crm-3", ("crm_id", "C3003"), ("email", "amylin@gmail.com"), hours=61),
        ],
        "t",
    )
    graph = inspection.customer_graph(engine, cid)
    assert graph["bridges"] == [
        ["crm_id:C3001", "email:amylin@gmail.com"],
        ["crm_id:C3002", "email:amylin@gmail.com"],
        ["email:amylin@gmail.com", f"phone:{MEI_MOBILE}"],
        ["line_id:Uabc123", f"phone:{MEI_MOBILE}"],
    ]
    assert [n["key"] for n in graph["neighbours"]] == ["crm_id:C3003"]
    rejected = [link for link in graph["links"] if link["state"] == "rejected"]
    assert [(link["a"], link["reason"]) for link in rejected] == [
        ("crm_id:C3003", "limit: a customer holds at most 2 crm_id; this merge would make 3")
    ]


STEWARD_ACTIONS = ["suppress_link", "restore_link", "detach", "block", "unblock", "merge_customers"]


def test_every_steward_action_writes_an_audit_entry_with_actor_reason_before_and_after(
    engine: Engine,
) -> None:
    cid = amy(engine)
    other = stitch(engine, [obs("crm-7", ("crm_id", "C7"), ("email", "z@hinet.net"), hours=3)], "t")
    email, phone = ident("email", "amylin@gmail.com"), ident("phone", "0937615284")
    steps = [
        lambda: stewardship.suppress_link(engine, email, phone, "r1", "steward:1"),
        lambda: stewardship.restore_link(engine, email, phone, "r2", "steward:2"),
        lambda: stewardship.detach(engine, ident("line_id", "Uabc123"), "r3", "steward:3"),
        lambda: stewardship.block(engine, phone, "r4", "steward:4"),
        lambda: stewardship.unblock(engine, phone, "r5", "steward:5"),
        lambda: stewardship.merge_customers(engine, [cid, other[0].customer_id], "r6", "steward:6"),
    ]
    for n, (action, step) in enumerate(zip(STEWARD_ACTIONS, steps, strict=True), start=1):
        result = step()
        entry = result.audit[-1]
        assert (entry.action, entry.actor, entry.reason, entry.at) == (
            action,
            f"steward:{n}",
            f"r{n}",
            NOW,
        )
        assert "customers" in entry.before and "customers" in entry.after
        assert entry.after["customers"] == result.customers
        assert entry.customer_ids, action
        # and it is in the log of every customer it names, newest first
        for customer_id in entry.customer_ids:
            logged = [e for e in history(engine, customer_id) if e.action == action]
            assert logged and logged[0] == entry, (action, customer_id)
    suppress = next(e for e in history(engine, cid) if e.action == "suppress_link")
    assert suppress.before == {
        "customers": [cid],
        "links": [["email:amylin@gmail.com", f"phone:{MEI_MOBILE}"]],
    }
    assert set(suppress.after["customers"]) == set(suppress.customer_ids)
    assert suppress.after["identifiers"]["email:amylin@gmail.com"] == cid


# -- retries ------------------------------------------------------------------------------------


def test_stitching_the_same_observation_again_is_a_no_op(engine: Engine) -> None:
    cid = amy(engine)
    counts, links, audit = engine.store.counts(), link_states(engine.store), history(engine, cid)
    # a retry spells the values otherwise: the normalised body is what is compared
    retry = obs(
        "eshop-1",
        ("email", "Amy.Lin+shop@Gmail.com"),
        ("phone", "+886 937-615-284"),
        hours=24,
        source="eshop",
    )
    results = stitch(engine, [retry, retry], "retry")
    assert [(r.status, r.customer_id) for r in results] == [("duplicate", cid)] * 2
    assert engine.store.counts() == counts
    assert link_states(engine.store) == links
    pair = ("email:amylin@gmail.com", f"phone:{MEI_MOBILE}")
    assert engine.store.read(lambda tx: tx.links([pair]))[pair].count == 1
    assert history(engine, cid) == audit


def test_an_id_repeated_in_one_batch_is_written_once_and_answered_in_its_place(
    engine: Engine,
) -> None:
    first = obs("pos-7", ("phone", "0937-615-284"), ("loyalty_id", "L-77"))
    other = obs("pos-8", ("email", "bo.chen@example.org"))
    same = obs("pos-7", ("phone", "+886937615284"), ("loyalty_id", "L-77"))  # spelt otherwise
    results = stitch(engine, [first, other, same], "pos")
    assert [(r.observation_id, r.status) for r in results] == [
        ("pos-7", "stitched"),
        ("pos-8", "stitched"),
        ("pos-7", "duplicate"),
    ]
    assert results[2].customer_id == results[0].customer_id is not None
    assert results[2].merged == [] and results[2].identifiers == results[0].identifiers
    assert engine.store.counts()["observations"] == 2


def test_an_id_reused_with_a_different_body_is_a_conflict_and_writes_nothing(
    engine: Engine,
) -> None:
    amy(engine)
    before = (engine.store.counts(), membership(engine.store), link_states(engine.store))
    fresh = obs("pos-1", ("crm_id", "C3001"), ("loyalty_id", "LC-7"), hours=99, source="pos")
    changed = obs(
        "eshop-1",
        ("email", "amylin@gmail.com"),
        ("phone", "0958-204-731"),
        hours=24,
        source="eshop",
    )
    with pytest.raises(Conflict) as caught:
        stitch(engine, [fresh, changed], "t")
    assert caught.value.code == "id_reused"
    assert [(e.loc, e.code) for e in caught.value.errors] == [((1, "id"), "id_reused")]
    assert (engine.store.counts(), membership(engine.store), link_states(engine.store)) == before
    # in one batch, the clash is a validation error naming both items
    with pytest.raises(ValidationFailed) as invalid:
        stitch(engine, [fresh, obs("pos-1", ("crm_id", "C3002"), hours=99, source="pos")], "t")
    assert [(e.loc, e.code) for e in invalid.value.errors] == [((1, "id"), "duplicate_id")]
    assert engine.store.counts() == before[0]


# -- property: steward actions interleaved with new and replayed evidence -----------------------

VALUES = {
    "crm_id": ["C1", "C2", "C3", "C4"],
    "loyalty_id": ["LC-01", "LC-02", "LC-03"],
    "email": [
        "mei@hinet.net",
        "Mei@HiNet.net",
        "chen.family@yahoo.com.tw",
        "zhi@gmail.com",
        "z.h.i+shop@gmail.com",
        "test@test.com",
    ],
    "phone": ["0937-615-284", "+886 958 204 731", "(02) 2758-1937", "0000000000"],
    "line_id": ["Ua1", "Ua2"],
    "anonymous_id": ["ga1", "ga2"],
}
identifier = st.sampled_from([(k, v) for k, vs in VALUES.items() for v in vs])
record = st.tuples(
    st.lists(identifier, min_size=1, max_size=4),
    st.integers(0, 300),
    st.sampled_from([None, "1980-01-02", "1978-11-30"]),
)
action = st.tuples(
    st.sampled_from([*STEWARD_ACTIONS, "stitch_new", "replay"]),
    st.integers(0, 10_000),
)


def raw(index: int, spec: tuple[list[tuple[str, str]], int, str | None]) -> RawObservation:
    ids, hours, birth = spec
    return RawObservation(
        id=f"o{index}",
        source=("crm", "pos", "eshop")[index % 3],
        observed_at=START + timedelta(hours=hours),
        identifiers=[RawIdentifier(k, v) for k, v in ids],
        attributes={"birth_date": birth} if birth else {},
    )


def as_raw(key: str) -> RawIdentifier:
    kind, _, value = key.partition(":")
    return RawIdentifier(kind, value)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.lists(record, min_size=2, max_size=12),
    st.lists(record, max_size=4),
    st.lists(action, min_size=1, max_size=10),
)
def test_steward_actions_with_new_and_replayed_evidence_keep_the_graph_sound(
    first: list, later: list, actions: list
) -> None:
    engine = engine_for(SqliteStore(":memory:"))
    sent = [raw(i, spec) for i, spec in enumerate(first)]
    stitch(engine, sent, "test")
    waiting = [raw(len(first) + i, spec) for i, spec in enumerate(later)]
    suppressed: set[tuple[str, str]] = set()
    blocked: set[str] = set()
    merged = False
    for name, n in actions:
        pick = random.Random(n)
        links = [lk for batch in engine.store.scan_links(1000) for lk in batch]
        idents = [s for batch in engine.store.scan_identifiers(1000) for s in batch]
        live = sorted(customers(engine))
        if name == "stitch_new" and waiting:
            item = waiting.pop(0)
            stitch(engine, [item], "test")
            sent.append(item)
        elif name == "replay":
            before = (membership(engine.store), link_states(engine.store))
            again = stitch(engine, [pick.choice(sent)], "test")
            assert again[0].status == "duplicate"
            assert (membership(engine.store), link_states(engine.store)) == before
        elif name == "suppress_link" and links:
            link = pick.choice(links)
            stewardship.suppress_link(engine, as_raw(link.a), as_raw(link.b), "prop", "s")
            suppressed.add(link.pair)
        elif name == "restore_link":
            cut = [lk for lk in links if lk.state is LinkState.SUPPRESSED and lk.count > 0]
            if cut:
                link = pick.choice(cut)
                stewardship.restore_link(engine, as_raw(link.a), as_raw(link.b), "prop", "s")
                suppressed.discard(link.pair)
        elif name == "detach" and idents:
            state = pick.choice(idents)
            stewardship.detach(engine, as_raw(state.key), "prop", "s")
            suppressed |= {lk.pair for lk in links if state.key in lk.pair}
        elif name == "block" and idents:
            state = pick.choice(idents)
            stewardship.block(engine, as_raw(state.key), "prop", "s")
            blocked.add(state.key)
        elif name == "unblock" and blocked:
            key = pick.choice(sorted(blocked))
            stewardship.unblock(engine, as_raw(key), "prop", "s")
            blocked.discard(key)
        elif name == "merge_customers" and len(live) >= 2:
            result = stewardship.merge_customers(engine, pick.sample(live, 2), "prop", "s")
            merged = True
            # the steward's newer decision: a forced link replaces a cut one between anchors
            suppressed -= {tuple(pair) for pair in result.audit[-1].before["links"]}

        report = verify(engine)
        assert report.clean and not report.drift, (name, report.drift)
        for customer in customers(engine).values():
            assert merged or not customer.allowance
            for kind, count in customer.kind_counts.items():
                limit = POLICY.limit(kind)
                cap = max(limit or count, customer.allowance.get(kind, 0))
                assert count <= cap, (name, customer.id, kind, count)
        now_links = link_states(engine.store)
        assert all(now_links[pair] == "suppressed" for pair in suppressed), name
        now_states = {s.key: s for batch in engine.store.scan_identifiers(1000) for s in batch}
        assert all(now_states[key].status is Status.BLOCKED for key in blocked), name
        assert all(
            (s.customer_id is None) == (s.status is not Status.ACTIVE) for s in now_states.values()
        )
    # an identifier's customer through the resolve use case agrees with the store
    keys = sorted(now_states)
    answers = resolve(engine, [as_raw(k) for k in keys])
    assert [a.customer_id for a in answers] == [now_states[k].customer_id for k in keys]


def test_reresolving_past_a_stale_dead_identifier_keeps_the_customer_it_names(
    engine: Engine,
) -> None:
    """A dead identifier left pointing at another customer (drift, say from an older release)
    is reached by a link of a component being re-resolved: that customer is loaded whole and
    kept, not deleted from under its own identifiers."""
    stitch(engine, [obs("a", ("crm_id", "C1111111"), ("email", "ann@example.com"))], "t")
    stitch(engine, [obs("b", ("crm_id", "C2222222"), ("phone", ZHI_MOBILE))], "t")
    email = key_of(engine, "email", "ann@example.com")
    bob = customer_of(engine, "crm_id", "C2222222")
    assert bob is not None and bob != customer_of(engine, "crm_id", "C1111111")
    stale = replace(states(engine, email)[email], status=Status.BLOCKED, customer_id=bob)
    engine.store.write(lambda tx: tx.apply(ChangeSet(at=NOW, identifiers={email: stale})))

    engine.store.write(
        lambda tx: reresolve(
            tx, engine, [key_of(engine, "crm_id", "C1111111")], [], actor="t", reason="t"
        )
    )

    assert customer_of(engine, "crm_id", "C2222222") == bob
    assert bob in customers(engine)
    assert states(engine, email)[email].customer_id is None
    assert_consistent(engine)


def test_explaining_past_a_review_proposal_does_not_pull_in_a_stale_dead_identifiers_customer(
    engine: Engine,
) -> None:
    """Links set aside join nothing, in an explanation too: the customer a drifted dead
    identifier names is not loaded when only a review proposal reaches that identifier."""
    stitch(engine, [obs("a", ("crm_id", "C1111111"), ("email", "ann@example.com"))], "t")
    stitch(engine, [obs("b", ("crm_id", "C2222222"), ("phone", ZHI_MOBILE))], "t")
    stitch(engine, [obs("c", ("email", "zed.q@example.com"))], "t")
    crm, zed = key_of(engine, "crm_id", "C1111111"), key_of(engine, "email", "zed.q@example.com")
    bob = customer_of(engine, "crm_id", "C2222222")
    stale = replace(states(engine, zed)[zed], status=Status.BLOCKED, customer_id=bob)
    a, b = pair_of(crm, zed)
    proposal = LinkRecord(
        a, b, NOW, NOW, count=0, sources=(PERSON_SOURCE,), state=LinkState.REJECTED,
        reason=REVIEW_PREFIX + "names agree",
    )  # fmt: skip
    assert proposal.set_aside
    engine.store.write(
        lambda tx: tx.apply(
            ChangeSet(
                at=NOW, identifiers={zed: stale}, links={(a, b): proposal}, new_links={(a, b)}
            )
        )
    )

    explained = engine.store.read(lambda tx: load_evidence(tx, [crm], set_aside=True))

    assert zed in explained.identifiers and (a, b) in explained.links
    assert key_of(engine, "crm_id", "C2222222") not in explained.identifiers
