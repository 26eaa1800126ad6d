"""The merge policy: the defaults, a TOML file laid over them, and precise refusals."""

from __future__ import annotations

import pytest

from resolvers.errors import PolicyError
from resolvers.identity.default_policy import DEFAULT_POLICY_TOML
from resolvers.identity.policy import FIXED_LINE, Role, load_policy

BUILT_IN = {
    "email", "phone", "crm_id", "user_id", "loyalty_id", "line_id",
    "whatsapp_id", "messenger_id", "wechat_id", "anonymous_id",
}  # fmt: skip


RULES = "('most_recent', 'source_priority', 'most_frequent')"


def refused(text: str) -> str:
    with pytest.raises(PolicyError) as caught:
        load_policy(text)
    assert caught.value.code == "invalid_policy"
    return caught.value.message


# -- defaults ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [None, "", "# nothing to change\n"])
def test_no_file_or_an_empty_one_gives_the_defaults(text: str | None) -> None:
    policy = load_policy(text)
    assert set(policy.kinds) == BUILT_IN
    assert policy == load_policy(None)


def test_default_kinds_have_the_documented_roles_limits_and_trust() -> None:
    policy = load_policy()
    limits = {name: rule.limit for name, rule in policy.kinds.items()}
    assert limits == {
        "crm_id": 2, "user_id": 1, "loyalty_id": 1, "email": 3, "whatsapp_id": 1,
        "line_id": 1, "messenger_id": 1, "wechat_id": 1, "phone": 3, "anonymous_id": None,
    }  # fmt: skip
    assert all(rule.role is Role.LINK for rule in policy.kinds.values())
    assert policy.priority("crm_id") > policy.priority("email") > policy.priority("phone")
    assert policy.priority("phone") > policy.priority("anonymous_id")
    assert (
        policy.priority("fax") == 0 and policy.limit("fax") is None and policy.kind("fax") is None
    )
    email, phone, whatsapp = (
        policy.kinds["email"],
        policy.kinds["phone"],
        policy.kinds["whatsapp_id"],
    )
    assert (email.normaliser, email.shareable, email.per_person) == ("email", True, False)
    assert (phone.normaliser, phone.shareable, phone.per_person) == ("phone", True, True)
    assert (whatsapp.normaliser, whatsapp.also) == ("phone", ("phone",))
    loyalty = policy.kinds["loyalty_id"]
    assert (loyalty.case, loyalty.strip) == ("upper", " -")
    cookie = policy.kinds["anonymous_id"]
    assert (cookie.strong, cookie.case, cookie.max_neighbours) == (
        False,
        "lower",
        {"email": 1, "user_id": 1},
    )


def test_landlines_are_a_variant_of_phone_that_attaches_and_is_nobodys_own() -> None:
    policy = load_policy()
    landline = policy.rule_of("phone", FIXED_LINE)
    assert landline is not None and landline is policy.kinds["phone"].fixed_lines
    assert landline.role is Role.ATTACH
    assert (landline.per_person, landline.shareable) == (False, True)
    assert landline.limit is None  # attach kinds take no limit: the parent's is dropped
    assert landline.max_neighbours == {"email": 1}
    assert landline.strong is False  # attach kinds are not strong unless they say so
    assert policy.rule_of("phone") is policy.kinds["phone"]
    assert policy.rule_of("email", FIXED_LINE) is policy.kinds["email"]  # no variant there


def test_default_generic_placeholder_email_and_survivorship_settings() -> None:
    policy = load_policy()
    generic = policy.generic
    assert (generic.max_per_kind, generic.max_total) == (4, 12)
    assert generic.conflict_attributes == ("birth_date", "gender")
    assert generic.name_attributes == ("first_name",)
    assert generic.name_scripts == ("han", "hangul", "kana")
    assert generic.family_name_attributes == ("last_name",)
    assert generic.typo_attributes == ()
    placeholders = policy.placeholders
    assert {"", "n/a", "null", "none", "unknown", "-"} <= placeholders.absent
    assert placeholders.values == frozenset()
    assert any(p.search("test@test.com") for p in placeholders.email)
    assert any(p.search("NOREPLY@shop.com.tw") for p in placeholders.email)  # case-insensitive
    assert not any(p.search("mei.ling@yahoo.com.tw") for p in placeholders.email)
    assert any(p.search("0000000000") for p in placeholders.phone_digits)
    assert not any(p.search("0937615284") for p in placeholders.phone_digits)
    assert policy.email.ignore_dots == frozenset({"gmail.com"})
    assert {"gmail.com", "outlook.com", "icloud.com"} <= policy.email.strip_plus_tags
    assert policy.email.domain_aliases == {"googlemail.com": "gmail.com"}
    assert policy.survivorship.default == "most_recent"
    assert policy.survivorship.rule("first_name") == "source_priority"
    assert policy.survivorship.rule("birth_date") == "most_frequent"
    assert policy.survivorship.rule("favourite_store") == "most_recent"
    assert policy.survivorship.sources[0] == "crm"
    assert policy.fx_rates == {}


def test_the_default_policy_text_is_what_loads() -> None:
    # the documented TOML is the source of the defaults, not a copy kept elsewhere
    assert "[kinds.phone.fixed_lines]" in DEFAULT_POLICY_TOML
    assert load_policy(DEFAULT_POLICY_TOML) == load_policy()


# -- overlays ----------------------------------------------------------------------------------


def test_an_overlay_changes_only_what_it_names() -> None:
    policy = load_policy("[kinds.email]\nlimit = 5\n")
    email, default = policy.kinds["email"], load_policy().kinds["email"]
    assert email.limit == 5
    assert (email.normaliser, email.priority, email.shareable) == (
        default.normaliser,
        default.priority,
        default.shareable,
    )
    assert policy.limit("email") == 5
    assert {k: v for k, v in policy.kinds.items() if k != "email"} == {
        k: v for k, v in load_policy().kinds.items() if k != "email"
    }


def test_an_overlay_changes_a_kinds_role() -> None:
    policy = load_policy('[kinds.anonymous_id]\nrole = "attach"\n')
    assert policy.kinds["anonymous_id"].role is Role.ATTACH
    linking_landlines = load_policy('[kinds.phone.fixed_lines]\nrole = "link"\n')
    landline = linking_landlines.rule_of("phone", FIXED_LINE)
    assert landline is not None and landline.role is Role.LINK
    assert landline.limit == 3  # a linking variant keeps the phone's limit
    assert landline.strong is True


def test_an_overlay_declares_a_new_kind() -> None:
    policy = load_policy(
        r"""
[kinds.member_no]
priority = 85
limit = 1
per_person = true
case = "upper"
strip = " -"
pattern = '^M\d{8}$'
"""
    )
    rule = policy.kinds["member_no"]
    assert set(policy.kinds) == BUILT_IN | {"member_no"}
    assert (rule.priority, rule.limit, rule.per_person, rule.role) == (85, 1, True, Role.LINK)
    assert rule.pattern is not None and rule.pattern.fullmatch("M12345678")
    assert rule.normaliser == "id" and rule.strong is True


def test_generic_and_placeholder_settings_are_laid_over_table_by_table() -> None:
    policy = load_policy(
        """
[generic]
max_per_kind = 2
conflict_attributes = ["birth_date"]

[placeholders]
email = []
values = ["phone:+886227581937"]
"""
    )
    assert (policy.generic.max_per_kind, policy.generic.max_total) == (2, 12)
    assert policy.generic.conflict_attributes == ("birth_date",)
    assert policy.placeholders.email == ()  # lists replace, they do not append
    assert policy.placeholders.phone_digits == load_policy().placeholders.phone_digits
    assert policy.placeholders.values == frozenset({"phone:+886227581937"})


def test_absent_tokens_are_trimmed_and_case_folded() -> None:
    policy = load_policy('[placeholders]\nabsent = [" N/A ", "Keine"]\n')
    assert policy.placeholders.absent == frozenset({"n/a", "keine"})


def test_currency_rates_are_upper_cased_floats() -> None:
    policy = load_policy("[currency.rates]\nusd = 32\nJPY = 0.21\n")
    assert policy.fx_rates == {"USD": 32.0, "JPY": 0.21}
    assert all(isinstance(rate, float) for rate in policy.fx_rates.values())


# -- refusals ----------------------------------------------------------------------------------


def test_invalid_toml_is_refused_with_the_parser_position() -> None:
    message = refused("[kinds.email\nlimit = 3\n")
    assert message.startswith("policy is not valid TOML: ")
    assert "line 1" in message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[kinds.email]\nrole = "merge"', "kinds.email.role must be 'link' or 'attach'"),
        ("[kinds.email]\nlimit = -1", "kinds.email.limit must be a whole number of at least 1"),
        ("[kinds.email]\nlimit = 0", "kinds.email.limit must be a whole number of at least 1"),
        ("[kinds.email]\nlimit = 2.5", "kinds.email.limit must be a whole number of at least 1"),
        ("[kinds.email]\nlimit = true", "kinds.email.limit must be a whole number of at least 1"),
        ("[kinds.email]\nlimt = 3", "kinds.email: unknown setting(s) limt"),
        ("[kinds.email]\nlimt = 3\nrank = 1", "kinds.email: unknown setting(s) limt, rank"),
        ("[genric]\nmax_total = 3", "unknown policy table(s): genric"),
        ("kinds = 3", "kinds must be a table"),
        ("[kinds]\nemail = 3", "kinds.email must be a table"),
        (
            "[kinds.Member-No]\npriority = 3",
            "kinds.Member-No: a kind name is lower-case letters, digits and _",
        ),
        (
            '[kinds.member_no]\nnormaliser = "date"',
            "kinds.member_no.normaliser must be one of ('email', 'phone', 'id')",
        ),
        (
            '[kinds.member_no]\ncase = "title"',
            "kinds.member_no.case must be one of ('preserve', 'lower', 'upper')",
        ),
        (
            "[kinds.member_no]\npriority = 0",
            "kinds.member_no.priority must be a whole number from 1 to 1000",
        ),
        (
            "[kinds.member_no]\npriority = 1001",
            "kinds.member_no.priority must be a whole number from 1 to 1000",
        ),
        ('[kinds.email]\nshareable = "yes"', "kinds.email.shareable must be true or false"),
        ("[kinds.member_no]\nstrip = 3", "kinds.member_no.strip must be a string of characters"),
        (
            '[kinds.member_no]\nrole = "attach"\nlimit = 1',
            "kinds.member_no: an attach kind joins one customer and takes no limit",
        ),
        (
            '[kinds.member_no]\nalso = ["phones"]',
            "kinds.member_no.also names an undeclared kind 'phones'",
        ),
        (
            "[kinds.anonymous_id]\nmax_neighbours = { emial = 1 }",
            "kinds.anonymous_id.max_neighbours names an undeclared kind 'emial'",
        ),
        (
            "[kinds.phone.fixed_lines]\nmax_neighbours = { emial = 1 }",
            "kinds.phone.fixed_lines.max_neighbours names an undeclared kind 'emial'",
        ),
        (
            "[kinds.anonymous_id]\nmax_neighbours = { email = 0 }",
            "kinds.anonymous_id.max_neighbours maps kinds to whole numbers of at least 1",
        ),
        (
            '[kinds.crm_id.fixed_lines]\nrole = "attach"',
            "kinds.crm_id.fixed_lines is a table, for phone kinds only",
        ),
        (
            "[kinds.phone.fixed_lines]\nlimit = 2",
            "kinds.phone.fixed_lines may set only "
            "max_neighbours, per_person, role, shareable, strong",
        ),
        (
            '[kinds.phone.fixed_lines]\nrole = "share"',
            "kinds.phone.fixed_lines.role must be 'link' or 'attach'",
        ),
        (
            '[kinds.phone.fixed_lines]\nstrong = "no"',
            "kinds.phone.fixed_lines.strong must be true or false",
        ),
        (
            '[kinds.phone]\npriority = 0\n[kinds.phone.fixed_lines]\nrole = "link"',
            "kinds.phone.priority must be a whole number from 1 to 1000",
        ),
        (
            "[kinds.member_no]\npattern = '[a-'",
            "kinds.member_no.pattern: invalid regular expression: "
            "unterminated character set at position 0",
        ),
        (
            "[generic]\nmax_per_kind = 0",
            "generic.max_per_kind must be a whole number from 1 to 1000000",
        ),
        (
            '[generic]\nmax_total = "12"',
            "generic.max_total must be a whole number from 1 to 1000000",
        ),
        (
            '[generic]\nconflict_attributes = "birth_date"',
            "generic.conflict_attributes must be a list of strings",
        ),
        ('[placeholders]\nabsent = "n/a"', "placeholders.absent must be a list of strings"),
        (
            "[placeholders]\nemail = ['(unclosed']",
            "placeholders.email: invalid regular expression: "
            "missing ), unterminated subpattern at position 0",
        ),
        (
            "[placeholders]\nphone_digits = [1234]",
            "placeholders.phone_digits must be a list of strings",
        ),
        ('[email]\ndomain_aliases = ["x"]', "email.domain_aliases must map domains to domains"),
        (
            '[survivorship]\ndefault = "newest"',
            "survivorship.default: unknown survivorship rule 'newest'; use " + RULES,
        ),
        (
            '[survivorship.attributes]\nfirst_name = "longest"',
            "survivorship.attributes.first_name: unknown survivorship rule 'longest'; use " + RULES,
        ),
    ],
)
def test_a_wrong_setting_is_refused_with_where_and_what(text: str, message: str) -> None:
    assert refused(text) == message


@pytest.mark.parametrize(
    "rates",
    ["USD = -1", "USD = 0", "USD = true", 'USD = "32"', "USDT = 1.0", "U5D = 1.0"],
)
def test_currency_rates_must_be_positive_numbers_by_three_letter_code(rates: str) -> None:
    code = rates.split(" =", 1)[0]
    assert refused(f"[currency.rates]\n{rates}\n") == (
        f"currency.rates.{code}: rates map three-letter ISO 4217 codes to positive numbers, "
        "the units of the account currency one unit of that currency is worth"
    )


def test_a_refused_overlay_names_the_setting_even_deep_in_a_valid_file() -> None:
    text = """
[kinds.email]
limit = 4

[generic]
max_total = 20

[kinds.crm_id]
limit = -2
"""
    assert refused(text) == "kinds.crm_id.limit must be a whole number of at least 1"


def test_a_kind_turned_into_attach_drops_the_default_limit() -> None:
    policy = load_policy('[kinds.email]\nrole = "attach"\n')
    assert policy.kind("email").role is Role.ATTACH
    assert policy.kind("email").limit is None
    # a limit the file itself gives an attach kind is still refused
    with pytest.raises(PolicyError, match="takes no limit"):
        load_policy('[kinds.email]\nrole = "attach"\nlimit = 2\n')


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[generic]\nmax_per_kin = 3\n", "generic: unknown setting(s) max_per_kin"),
        ('[placeholders]\nemails = ["x@y.z"]\n', "placeholders: unknown setting(s) emails"),
        ('[email]\nignore_dot = ["gmail.com"]\n', "email: unknown setting(s) ignore_dot"),
        ('[survivorship]\ndefualt = "most_recent"\n', "survivorship: unknown setting(s) defualt"),
        ("[currency]\nrate = 1\n", "currency: unknown setting(s) rate"),
    ],
)
def test_a_misspelt_setting_in_any_table_is_refused(text: str, message: str) -> None:
    assert refused(text) == message


# -- person matching ----------------------------------------------------------------------------


def test_the_matcher_ships_with_weights_for_every_field_and_sane_thresholds() -> None:
    match = load_policy().match
    assert match.enabled and match.lower < match.upper
    assert set(match.fields) == {
        "first_name", "last_name", "birth_date", "gender", "street", "city", "postcode"
    }  # fmt: skip
    assert all(w.m[0] > w.u[0] for w in match.fields.values())  # agreeing is evidence


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[match]\nthreshold = 3\n", "match: unknown setting(s) threshold"),
        ("[match]\nenabled = 1\n", "match.enabled must be true or false"),
        ("[match]\nupper = 5.0\nlower = 9.0\n", "match.lower must not be above match.upper"),
        ("[match]\nupper = 'high'\n", "match.upper must be a number"),
        ("[match]\nveto = ['shoe_size']\n", "match.veto must be a list of fields"),
        ("[match]\nblock_limit = 0\n", "match.block_limit must be a whole number"),
        ("[match]\nfields = 3\n", "match.fields must be a table"),
        ("[match.fields]\nnickname = { m = [0.9, 0.05, 0.05], u = [0.1, 0.1, 0.8] }\n",
         "match.fields.nickname: unknown field"),
        ("[match.fields]\ncity = { w = 0.5 }\n", "match.fields.city must set m and u"),
        ("[match.fields]\ncity = { m = [0.9, 0.05, 1.5], u = [0.1, 0.1, 0.8] }\n",
         "match.fields.city.m must be three probabilities"),
        ("[match]\nfrequencies = []\n", "match.frequencies must be a table"),
        ("[match.frequencies]\nstreet = { main = 0.1 }\n", "frequencies are kept for"),
        ("[match.frequencies]\nlast_name = { chen = 2 }\n", "maps values to their share"),
    ],
)  # fmt: skip
def test_a_wrong_match_setting_is_named(text: str, message: str) -> None:
    assert message in refused(text)
