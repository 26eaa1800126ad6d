"""Normalisation: raw channel values to identifiers, placeholders flagged, bad values refused.

Covers resolvers/identity/normalise.py, identifiers.py and observations.py with the default
policy and region TW, the way the service runs in Taiwan.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.engine import Engine
from app.services.stitching import stitch
from app.store.sqlite.store import SqliteStore
from resolvers.errors import InvalidIdentifier, ValidationFailed
from resolvers.identity.evidence import Status
from resolvers.identity.identifiers import Identifier, kind_of, mask
from resolvers.identity.normalise import MAX_VALUE_LENGTH, Normaliser
from resolvers.identity.observations import (
    MAX_IDENTIFIERS,
    RawIdentifier,
    RawObservation,
    normalise_observation,
)
from resolvers.identity.policy import FIXED_LINE, load_policy
from tests.factories import NOW, obs, partition

POLICY = load_policy()
TW = Normaliser(POLICY, "TW")
TAIPEI = timezone(timedelta(hours=8))
# A Taiwanese mobile and a Taipei landline with no digit run the placeholder patterns catch.
MOBILE = "+886937615284"
LANDLINE = "+886227581937"


def one(kind: str, raw: str, normaliser: Normaliser = TW) -> tuple[str, bool, str]:
    """The single identifier a value yields: its key, placeholder flag and variant."""
    out = normaliser.normalise(kind, raw)
    assert out is not None and len(out) == 1, out
    return out[0].identifier.key, out[0].placeholder, out[0].variant


def refusal(kind: str, raw: str, normaliser: Normaliser = TW) -> InvalidIdentifier:
    with pytest.raises(InvalidIdentifier) as caught:
        normaliser.normalise(kind, raw)
    return caught.value


def raw_obs(
    *identifiers: tuple[str, str],
    at: datetime = datetime(2025, 3, 1, 9, 30, tzinfo=TAIPEI),
    attributes: dict[str, object] | None = None,
) -> RawObservation:
    """A CRM record of these ``(kind, raw value)`` identifiers, in Taipei time."""
    return RawObservation(
        id="crm-000001",
        source="crm",
        observed_at=at,
        identifiers=[RawIdentifier(k, v) for k, v in identifiers],
        attributes=attributes or {},
    )


# -- e-mail ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("  Jane.Doe@Yahoo.com.TW ", "email:jane.doe@yahoo.com.tw"),
        ("\tMEI.LING@HINET.NET\n", "email:mei.ling@hinet.net"),
        ("ａｍｙ＠ｈｉｎｅｔ．ｎｅｔ", "email:amy@hinet.net"),  # full-width, typed on a phone IME
        ("amy@hinet.net.", "email:amy@hinet.net"),  # trailing root dot of the domain
        ("amy@bücher.de", "email:amy@xn--bcher-kva.de"),  # IDN domains in their ASCII form
    ],
)
def test_email_is_trimmed_and_lower_cased(raw: str, key: str) -> None:
    assert one("email", raw) == (key, False, "")


@pytest.mark.parametrize(
    "raw",
    [
        "janedoe@gmail.com",
        "Jane.Doe@Gmail.com",
        "j.a.n.e.d.o.e@gmail.com",
        "jane.doe+shop@gmail.com",
        "JaneDoe+line+2024@GMAIL.COM",
        "jane.doe@googlemail.com",
        "Jane.Doe+orders@GoogleMail.com",
    ],
)
def test_gmail_ignores_dots_and_plus_tags_and_googlemail_is_gmail(raw: str) -> None:
    assert one("email", raw) == ("email:janedoe@gmail.com", False, "")


@pytest.mark.parametrize("domain", sorted(POLICY.email.strip_plus_tags - POLICY.email.ignore_dots))
def test_providers_that_only_strip_plus_tags_keep_dots(domain: str) -> None:
    assert one("email", f"Jane.Doe+promo@{domain}")[0] == f"email:jane.doe@{domain}"


@pytest.mark.parametrize("domain", ["yahoo.com.tw", "hinet.net", "ms45.hinet.net", "nccu.edu.tw"])
def test_other_providers_keep_dots_and_plus_tags(domain: str) -> None:
    # a +tag is a different mailbox on providers the policy does not list
    assert domain not in POLICY.email.strip_plus_tags | POLICY.email.ignore_dots
    assert one("email", f"Jane.Doe+promo@{domain}")[0] == f"email:jane.doe+promo@{domain}"
    assert one("email", f"jane.doe@{domain}") != one("email", f"janedoe@{domain}")


def test_provider_rules_come_from_the_policy() -> None:
    policy = load_policy(
        """
[email]
ignore_dots = ["yahoo.com.tw"]
strip_plus_tags = []
domain_aliases = { "ymail.com.tw" = "yahoo.com.tw" }
"""
    )
    normaliser = Normaliser(policy, "TW")
    assert one("email", "Jane.Doe@ymail.com.tw", normaliser)[0] == "email:janedoe@yahoo.com.tw"
    # the overlay's lists replace the defaults: gmail keeps dots and +tags now...
    assert one("email", "jane.doe+x@gmail.com", normaliser)[0] == "email:jane.doe+x@gmail.com"
    # ...while its alias table is laid over the default one, so googlemail is still gmail
    assert one("email", "jane.doe@googlemail.com", normaliser)[0] == "email:jane.doe@gmail.com"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("jane.doe.gmail.com", "an e-mail address has exactly one @"),
        ("jane@doe@gmail.com", "an e-mail address has exactly one @"),
        ("@gmail.com", "the part before @ is empty or has invalid characters"),
        ("Jane Doe@gmail.com", "the part before @ is empty or has invalid characters"),
        ("jane..doe@yahoo.com.tw", "the part before @ has misplaced dots"),
        (".jane@yahoo.com.tw", "the part before @ has misplaced dots"),
        ("jane.@gmail.com", "the part before @ has misplaced dots"),
        ("jane@localhost", "the domain is not a valid host name"),
        ("jane@-hinet.net", "the domain is not a valid host name"),
        ("jane@hinet..net", "the domain is not a valid host name"),
        ("+promo@gmail.com", "the part before @ is empty once provider rules apply"),
        ("a" * 65 + "@hinet.net", "the part before @ is empty or has invalid characters"),
    ],
)
def test_malformed_email_is_refused_naming_the_kind_and_why(raw: str, reason: str) -> None:
    error = refusal("email", raw)
    assert (error.kind, error.reason) == ("email", reason)
    assert error.message == f"email: {reason}"
    assert error.code == "invalid_identifier"


# -- phones ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "0937-615-284",
        "0937 615 284",
        "0937.615.284",
        "(0937) 615-284",
        "+886 937 615 284",
        "+886-937-615-284",
        "+886 (0)937 615 284",
        "886937615284",  # the country code without its +
        "00886937615284",  # dialled from abroad
        "０９３７－６１５－２８４",  # full-width digits and dashes
        " 0937615284 ",
    ],
)
def test_taiwanese_mobile_in_every_channel_format_is_one_e164_number(raw: str) -> None:
    assert one("phone", raw) == (f"phone:{MOBILE}", False, "")


@pytest.mark.parametrize("raw", ["0912-345-678", "+886 912 345 678", "886912345678"])
def test_the_brief_mobile_formats_normalise_alike_and_are_flagged_as_a_sequence(raw: str) -> None:
    # 0912-345-678 contains the run 2345678: forms get it typed as a dummy, so it is a
    # placeholder whichever way it is written, but still normalised to E.164 first.
    assert one("phone", raw) == ("phone:+886912345678", True, "")


@pytest.mark.parametrize(
    "raw", ["(02) 2758-1937", "02-2758-1937", "(02)27581937", "+886 2 2758 1937", "886-2-2758-1937"]
)
def test_taipei_landline_is_e164_with_the_fixed_line_variant(raw: str) -> None:
    assert one("phone", raw) == (f"phone:{LANDLINE}", False, FIXED_LINE)


def test_the_brief_landline_is_a_fixed_line_and_its_digit_run_a_placeholder() -> None:
    assert one("phone", "(02) 2345-6789") == ("phone:+886223456789", True, FIXED_LINE)


def test_toll_free_numbers_belong_to_a_business_not_a_person() -> None:
    assert one("phone", "0800-092-119") == ("phone:+886800092119", False, FIXED_LINE)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("+1 (415) 555-2671", "phone:+14155552671"),
        ("+81 90-3721-8846", "phone:+819037218846"),
        ("+852 6123 9876", "phone:+85261239876"),
    ],
)
def test_foreign_numbers_with_a_plus_ignore_the_default_region(raw: str, key: str) -> None:
    assert one("phone", raw) == (key, False, "")


def test_without_a_default_region_national_numbers_are_refused_with_the_setting_named() -> None:
    no_region = Normaliser(POLICY, None)
    assert one("phone", "+886 937 615 284", no_region)[0] == f"phone:{MOBILE}"
    assert one("phone", "886937615284", no_region)[0] == f"phone:{MOBILE}"
    error = refusal("phone", "0937-615-284", no_region)
    assert error.kind == "phone"
    assert "C360_DEFAULT_REGION" in error.reason and "national" in error.reason


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("0937-615-284 ext twelve", "contains characters that are not part of a number"),
        ("0937 615 284 / 02-2758-1937", "has too few or too many digits"),  # two numbers
        ("phone", "contains characters that are not part of a number"),
        ("09l2-345-678", "contains characters that are not part of a number"),
        ("+886", "has too few or too many digits"),
        ("12-3", "has too few or too many digits"),
        ("+886 937 615 284 937 615 28", "has too few or too many digits"),
        ("0937-61", "not a valid phone number"),
        ("09123", "not a valid phone number"),
        ("+886 1234 5", "not a valid phone number"),
    ],
)
def test_unusable_phone_is_refused_naming_the_kind_and_why(raw: str, reason: str) -> None:
    error = refusal("phone", raw)
    assert (error.kind, error.reason, str(error)) == ("phone", reason, f"phone: {reason}")


@pytest.mark.parametrize(
    ("raw", "key", "variant"),
    [
        ("0937-615-284 ext 12", f"phone:{MOBILE}", ""),
        ("0937 615 284 x12", f"phone:{MOBILE}", ""),
        ("tel:+886-937-615-284", f"phone:{MOBILE}", ""),
        ("TEL: 0937615284", f"phone:{MOBILE}", ""),
        ("(02) 2758-1937 #123", f"phone:{LANDLINE}", "fixed_line"),
        ("02-2758-1937 分機 305", f"phone:{LANDLINE}", "fixed_line"),
        ("02-27581937轉12", f"phone:{LANDLINE}", "fixed_line"),
    ],
)
def test_schemes_and_extensions_around_a_number_are_dropped(
    raw: str, key: str, variant: str
) -> None:
    # the line is the identity, and its kind comes from the number alone: every spelling of
    # a number must give the same identifier, or arrival order would decide its role
    assert one("phone", raw) == (key, False, variant)


def test_twilio_whatsapp_addresses_are_read_as_the_number() -> None:
    out = TW.normalise("whatsapp_id", "whatsapp:+886937615284") or []
    assert [n.identifier.key for n in out] == [f"whatsapp_id:{MOBILE}", f"phone:{MOBILE}"]


@pytest.mark.parametrize(
    "raw",
    [
        "Mei-Ling Chen <MeiLing.Chen@Outlook.com>",
        '"Chen, Mei-Ling" <meiling.chen@outlook.com>',
        "<meiling.chen@outlook.com>",
        "mailto:MeiLing.Chen@outlook.com",
        "mailto:meiling.chen@outlook.com?subject=Kettle",
        "meiling.chen@outlook.com;",
        "meiling.chen@outlook.com, ",
    ],
)
def test_display_names_mailto_links_and_list_separators_around_an_address_are_dropped(
    raw: str,
) -> None:
    assert one("email", raw) == ("email:meiling.chen@outlook.com", False, "")


def test_two_addresses_in_one_value_are_still_refused() -> None:
    error = refusal("email", "a@outlook.com; b@outlook.com")
    assert error.reason == "an e-mail address has exactly one @"


def test_whatsapp_id_is_a_phone_number_and_also_yields_the_phone_identifier() -> None:
    out = TW.normalise("whatsapp_id", "+886 937-615-284")
    assert out is not None
    assert [n.identifier.key for n in out] == [f"whatsapp_id:{MOBILE}", f"phone:{MOBILE}"]
    assert not any(n.placeholder for n in out)
    # invalid WhatsApp numbers are refused under their own kind
    assert refusal("whatsapp_id", "wa-0937").kind == "phone"


def test_whatsapp_and_phone_of_one_person_give_one_phone_in_the_observation() -> None:
    observation = normalise_observation(
        raw_obs(("whatsapp_id", "886937615284"), ("phone", "0937-615-284")), TW
    )
    assert observation.keys == (f"whatsapp_id:{MOBILE}", f"phone:{MOBILE}")


# -- id kinds ----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["LC00123456", " lc-0012-3456 ", "LC 0012 3456", "lc0012 3456"])
def test_loyalty_card_is_upper_cased_with_spaces_and_dashes_stripped(raw: str) -> None:
    assert one("loyalty_id", raw) == ("loyalty_id:LC00123456", False, "")


def test_other_ids_keep_case_as_the_policy_says_except_cookies() -> None:
    assert one("crm_id", " C0012345 ")[0] == "crm_id:C0012345"
    assert one("crm_id", "c0012345")[0] == "crm_id:c0012345"  # preserve: a different CRM id
    assert one("line_id", "U4af49806292a5b1c")[0] == "line_id:U4af49806292a5b1c"
    assert one("user_id", "00042")[0] == "user_id:00042"  # leading zeros are part of an id
    assert one("anonymous_id", "GA1.2.ABC.DEF")[0] == "anonymous_id:ga1.2.abc.def"


def test_an_id_that_is_only_stripped_characters_is_refused_as_empty() -> None:
    error = refusal("loyalty_id", "- -- -")
    assert (error.kind, error.reason) == ("loyalty_id", "is empty")


@pytest.mark.parametrize(
    ("kind", "raw", "reason"),
    [
        ("crm_id", "C" * (MAX_VALUE_LENGTH + 1), f"longer than {MAX_VALUE_LENGTH} characters"),
        ("crm_id", "C001\x00", "contains control characters"),
        ("line_id", "U4af\x7f", "contains control characters"),
        ("fax", "02-2758-1937", "unknown identifier kind; declare it in the policy"),
    ],
)
def test_values_of_any_kind_are_refused_when_unsafe_or_of_an_unknown_kind(
    kind: str, raw: str, reason: str
) -> None:
    error = refusal(kind, raw)
    assert (error.kind, error.reason) == (kind, reason)


@pytest.mark.parametrize("raw", ["", "   ", "-", "N/A", "n/a", "NULL", "None", "unknown", "xxx"])
@pytest.mark.parametrize("kind", ["email", "phone", "crm_id"])
def test_absent_tokens_mean_no_value(kind: str, raw: str) -> None:
    assert TW.normalise(kind, raw) is None


# -- placeholders ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "test@test.com",
        "TEST@TEST.COM",
        "t.e.s.t+1@gmail.com",  # a placeholder once gmail's rules apply
        "noreply@kettle-shop.com.tw",
        "walkin@hinet.net",
        "xxx@gmail.com",
        "mei@example.com",
        "a@mailinator.com",
    ],
)
def test_placeholder_emails_are_flagged(raw: str) -> None:
    assert one("email", raw)[1] is True


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("0000000000", "phone:0000000000"),  # invalid as a number: kept as typed digits
        ("0912345678", "phone:+886912345678"),
        ("0911111111", "phone:+886911111111"),
        ("0999999999", "phone:+886999999999"),
        ("09-1111-1111", "phone:+886911111111"),
        ("1234567", "phone:1234567"),
        ("0987654321", "phone:+886987654321"),
    ],
)
def test_placeholder_phones_of_repeated_or_sequential_digits_are_flagged(
    raw: str, key: str
) -> None:
    assert one("phone", raw)[:2] == (key, True)


def test_realistic_values_are_not_placeholders() -> None:
    for kind, raw in [
        ("email", "mei.ling.chen@yahoo.com.tw"),
        ("email", "tester.lin@hinet.net"),  # "test" inside a name is not the pattern
        ("phone", "0937-615-284"),
        ("phone", "(02) 2758-1937"),
    ]:
        assert one(kind, raw)[1] is False, raw


def test_listed_placeholder_values_are_flagged_and_keep_their_variant() -> None:
    policy = load_policy(f'[placeholders]\nvalues = ["phone:{LANDLINE}", "crm_id:C0000000"]')
    normaliser = Normaliser(policy, "TW")
    assert one("phone", "(02) 2758-1937", normaliser) == (f"phone:{LANDLINE}", True, FIXED_LINE)
    assert one("crm_id", "C0000000", normaliser)[1] is True
    assert one("crm_id", "C0000001", normaliser)[1] is False


def test_placeholders_are_kept_in_the_observation_and_never_link() -> None:
    engine = Engine(SqliteStore(":memory:"), POLICY, TW, clock=lambda: NOW)
    forms = [
        obs("eshop-1", ("crm_id", "C1001"), ("email", "test@test.com"), ("phone", "0000000000")),
        obs("eshop-2", ("crm_id", "C1002"), ("email", "TEST@test.com"), ("phone", "000-0000-000")),
        obs("eshop-3", ("crm_id", "C1003"), ("phone", "0912345678"), hours=2),
        obs("eshop-4", ("crm_id", "C1004"), ("phone", "0912-345-678"), hours=3),
    ]
    results = stitch(engine, forms, "test")
    assert results[0].placeholders == ["email:test@test.com", "phone:0000000000"]
    assert results[2].placeholders == ["phone:+886912345678"]
    assert len({r.customer_id for r in results}) == 4
    assert partition(engine.store) == {frozenset({f"crm_id:C100{i}"}) for i in range(1, 5)}
    states = engine.store.read(
        lambda tx: tx.identifiers(["email:test@test.com", "phone:0000000000"])
    )
    assert {s.status for s in states.values()} == {Status.PLACEHOLDER}
    assert all(s.customer_id is None for s in states.values())


# -- custom kinds ------------------------------------------------------------------------------

CUSTOM = load_policy(
    r"""
[kinds.member_no]
priority = 85
limit = 1
per_person = true
case = "upper"
strip = " -"
pattern = '^M\d{8}$'

[kinds.shopee_phone]
normaliser = "phone"
also = ["phone"]

[kinds.pos_email]
normaliser = "email"
role = "attach"
"""
)


def test_custom_kinds_declared_in_the_policy_normalise_by_their_rules() -> None:
    normaliser = Normaliser(CUSTOM, "TW")
    assert one("member_no", " m-1234 5678 ", normaliser) == ("member_no:M12345678", False, "")
    out = normaliser.normalise("shopee_phone", "0937 615 284")
    assert out is not None
    assert [n.identifier.key for n in out] == [f"shopee_phone:{MOBILE}", f"phone:{MOBILE}"]
    assert one("pos_email", " Jane.Doe+x@Gmail.com", normaliser)[0] == "pos_email:janedoe@gmail.com"
    # the default normaliser knows nothing of them
    assert refusal("member_no", "M12345678").reason.startswith("unknown identifier kind")


def test_a_custom_pattern_refuses_values_that_do_not_match_it() -> None:
    error = refusal("member_no", "M1234-567", Normaliser(CUSTOM, "TW"))
    assert (error.kind, error.reason) == (
        "member_no",
        "does not match the pattern declared for member_no",
    )


# -- identifiers -------------------------------------------------------------------------------


def test_identifier_key_round_trips_and_splits_at_the_first_colon() -> None:
    ident = Identifier("line_id", "U4af:weird")
    assert ident.key == "line_id:U4af:weird"
    assert Identifier.from_key(ident.key) == ident
    assert kind_of(ident.key) == "line_id"
    assert sorted(
        [Identifier("phone", "+2"), Identifier("email", "b"), Identifier("email", "a")]
    ) == [
        Identifier("email", "a"),
        Identifier("email", "b"),
        Identifier("phone", "+2"),
    ]


@pytest.mark.parametrize("key", ["email", "email:", ":jane@x.com", ""])
def test_malformed_keys_are_refused(key: str) -> None:
    with pytest.raises(ValueError, match="kind:value"):
        Identifier.from_key(key)


def test_mask_hides_the_value_but_is_stable_and_distinct() -> None:
    masked = mask(f"phone:{MOBILE}")
    assert masked.startswith("phone:#") and "937615284" not in masked
    assert masked == mask(f"phone:{MOBILE}")
    assert masked != mask(f"phone:{LANDLINE}")


# -- observations ------------------------------------------------------------------------------


def test_observation_is_normalised_in_order_without_duplicates_and_in_utc() -> None:
    raw = raw_obs(
        ("email", " Mei.Ling@Gmail.com "),
        ("phone", "0937-615-284"),
        ("email", "meiling+line@gmail.com"),  # the same mailbox again
        ("phone", "n/a"),
        ("whatsapp_id", "+886 937 615 284"),
        ("phone", "(02) 2758-1937"),
        ("email", "test@test.com"),
        attributes={"first_name": "美玲"},
    )
    observation = normalise_observation(raw, TW)
    assert observation.keys == (
        "email:meiling@gmail.com",
        f"phone:{MOBILE}",
        f"whatsapp_id:{MOBILE}",
        f"phone:{LANDLINE}",
        "email:test@test.com",
    )
    assert observation.placeholders == frozenset({"email:test@test.com"})
    assert observation.variants == {f"phone:{LANDLINE}": FIXED_LINE}
    assert [(i.index, i.kind) for i in observation.ignored] == [(3, "phone")]
    assert observation.observed_at == datetime(2025, 3, 1, 1, 30, tzinfo=UTC)
    assert observation.observed_at.tzinfo is UTC
    assert observation.attributes == {"first_name": "美玲"}


def test_every_bad_identifier_is_named_by_its_position_and_field() -> None:
    raw = raw_obs(
        ("email", "mei.ling@gmail.com"),
        ("phone", "0937-61"),
        ("fax", "02-2758-1937"),
        ("email", "mei@@gmail.com"),
    )
    with pytest.raises(ValidationFailed) as caught:
        normalise_observation(raw, TW)
    errors = caught.value.errors
    assert [(e.loc, e.code) for e in errors] == [
        (("identifiers", 1, "value"), "invalid_identifier"),
        (("identifiers", 2, "kind"), "invalid_identifier"),
        (("identifiers", 3, "value"), "invalid_identifier"),
    ]
    assert errors[0].message == "phone: not a valid phone number"
    assert errors[2].message == "email: an e-mail address has exactly one @"
    assert str(caught.value) == (
        "invalid input: identifiers.1.value: phone: not a valid phone number (and 2 more)"
    )


def test_an_observation_needs_a_time_zone_and_a_usable_identifier() -> None:
    naive = raw_obs(("email", "n/a"), at=datetime(2025, 3, 1, 9, 30))
    with pytest.raises(ValidationFailed) as caught:
        normalise_observation(naive, TW)
    # the naive time is reported; "no identifier" waits until the rest is valid
    assert [(e.loc, e.code) for e in caught.value.errors] == [(("observed_at",), "naive_datetime")]
    with pytest.raises(ValidationFailed) as caught:
        normalise_observation(raw_obs(("email", "n/a"), ("phone", " ")), TW)
    assert [(e.loc, e.code) for e in caught.value.errors] == [(("identifiers",), "no_identifier")]


def test_an_observation_carries_at_most_fifty_identifiers() -> None:
    many = [("crm_id", f"C{i:07d}") for i in range(MAX_IDENTIFIERS + 1)]
    with pytest.raises(ValidationFailed) as caught:
        normalise_observation(raw_obs(*many), TW)
    assert [(e.loc, e.code) for e in caught.value.errors] == [(("identifiers",), "too_many")]
    assert len(normalise_observation(raw_obs(*many[:MAX_IDENTIFIERS]), TW).keys) == 50


def test_body_hash_follows_what_is_said_not_how_it_was_spelt() -> None:
    def digest(*identifiers: tuple[str, str], **attributes: object) -> str:
        at = datetime(2025, 3, 1, 9, 30, tzinfo=TAIPEI)
        return normalise_observation(
            raw_obs(*identifiers, at=at, attributes=attributes), TW
        ).body_hash

    spelt = digest(("email", "Mei.Ling@Gmail.com"), ("phone", "0937-615-284"), tier="gold")
    respelt = digest(("phone", "+886 937 615 284"), ("email", "meiling+x@gmail.com"), tier="gold")
    assert spelt == respelt
    assert spelt != digest(("email", "Mei.Ling@Gmail.com"), ("phone", "0937-615-284"), tier="vip")
    assert spelt != digest(("email", "Mei.Ling@Gmail.com"), ("phone", "0937-615-285"), tier="gold")
    same_instant = normalise_observation(
        raw_obs(
            ("email", "Mei.Ling@Gmail.com"),
            ("phone", "0937-615-284"),
            at=datetime(2025, 3, 1, 1, 30, tzinfo=UTC),
            attributes={"tier": "gold"},
        ),
        TW,
    )
    assert same_instant.body_hash == spelt


# -- invisible characters (issue 9) -------------------------------------------------------------


def test_the_invisible_set_covers_every_format_character_python_knows() -> None:
    import sys
    import unicodedata

    from resolvers.identity.normalise import _INVISIBLE

    for code in range(sys.maxunicode + 1):
        char = chr(code)
        category = unicodedata.category(char)
        if category == "Cf":
            assert _INVISIBLE.fullmatch(char), hex(code)
        elif _INVISIBLE.fullmatch(char):
            assert category == "Cn", hex(code)  # format characters of a newer Unicode


@pytest.mark.parametrize(
    "raw", ["\ufeff", "\u202e", "\u200b\u200c\u200d", "\u2066\u2069", "\u00ad"]
)
def test_a_value_of_invisible_characters_only_is_no_value(raw: str) -> None:
    assert TW.normalise("crm_id", raw) is None
    assert TW.normalise("email", raw) is None


def test_invisible_characters_do_not_tell_values_apart() -> None:
    assert one("crm_id", "\ufeffC12\u200b34\u202e") == one("crm_id", "C1234")
    assert one("email", "jane\u200d.doe@gmail.com\ufeff") == one("email", "jane.doe@gmail.com")
