"""The default merge policy, as TOML: a policy file is laid over it, naming only what differs."""

DEFAULT_POLICY_TOML = r"""
# Contact 360 merge policy.
#
# A file named by C360_POLICY_FILE is laid over these defaults table by table: write only
# what you change. `c360 policy show` prints the policy in force.

# ---------------------------------------------------------------------------------------
# Identifier kinds. For each kind:
#   role        "link": may join customers; "attach": joins one customer at most (cookies,
#               devices) and never joins two customers together
#   normaliser  "email", "phone" or "id"
#   priority    trust, 1-1000: links between trusted kinds are resolved first, and the most
#               trusted identifier of a record anchors its attributes and events
#   limit       the most identifiers of this kind one customer may hold (absent: no limit);
#               a link whose merge would exceed it is kept as `rejected` for review
#   shareable   households share values of this kind: a value seen with two identifiers of
#               a per_person kind, or on records that disagree on a trait (see [generic]),
#               is shared by several people and stops linking
#   per_person  one person holds one value of this kind (a LINE account, a loyalty card)
#               -- if not shareable, records on it that name different people show it
#               lent (a partner's order on a login), and it stops linking
#   strong      counts towards the generic-value thresholds of the values it is seen with
#   case        "preserve", "lower" or "upper" (id normaliser)
#   strip       characters removed from id values ("LC-0012 3456" -> "LC00123456")
#   pattern     a regular expression every normalised value must match
#   also        further kinds the same value yields (a WhatsApp id is also a phone number)
#   max_neighbours  per kind of neighbour, overrides [generic].max_per_kind for this kind
#   fixed_lines     phone kinds: a table of settings (role, per_person, shareable, strong,
#                   max_neighbours) for landlines and business numbers, which belong to a
#                   household or a shop rather than a person
# ---------------------------------------------------------------------------------------

[kinds.crm_id]
priority = 100
limit = 2                   # CRMs hold duplicate records of one person; a third is a family

[kinds.user_id]
priority = 90
limit = 1
per_person = true

[kinds.loyalty_id]
priority = 80
limit = 1
per_person = true
case = "upper"
strip = " -"

[kinds.email]
normaliser = "email"
priority = 70
limit = 3
shareable = true

[kinds.whatsapp_id]
normaliser = "phone"
priority = 60
limit = 1
per_person = true
also = ["phone"]

[kinds.line_id]
priority = 60
limit = 1
per_person = true

[kinds.messenger_id]
priority = 60
limit = 1
per_person = true

[kinds.wechat_id]
priority = 60
limit = 1
per_person = true

[kinds.phone]
normaliser = "phone"
priority = 50
limit = 3
shareable = true
per_person = true           # a mobile number is one person's

[kinds.phone.fixed_lines]   # a landline is a household's, a front-desk line a shop's:
role = "attach"             # it joins one customer and never joins two
per_person = false
max_neighbours = { email = 1 }

# A browser or device id ties one person's logins and e-mails together; seen with two
# e-mails or two logins it is a family computer, shared, and stops linking.
[kinds.anonymous_id]
priority = 10
case = "lower"
strong = false
shareable = true
max_neighbours = { email = 1, user_id = 1 }

# ---------------------------------------------------------------------------------------
# Generic values: values that stop linking because too many people use them.
#   max_per_kind         a value seen with more distinct identifiers than this of any one
#                        strong kind is generic (a shop's front-desk phone on walk-in sales)
#   max_total            ... or with more distinct strong identifiers than this in all
#   max_persons          a shareable value (an e-mail) seen with more than this many
#                        per-person values of one kind (mobiles) is shared -- but only when
#                        its records say nothing of the person: records that name one
#                        person (a birth date or given name, no contradiction) keep it
#                        personal, records that disagree make it shared whatever the count.
#                        The same judgement overrides a kind's max_neighbours (a cookie)
#   conflict_attributes  traits a person does not vary: records carrying a shareable value
#                        that disagree on one are about different people (a family mailbox)
#   name_attributes      given names, compared the same way but only within a script of
#   name_scripts         these ("Amy", "Mei-Ling" and "美玲" are often one person; Latin
#                        names are left out because English, romanised and nicknames vary)
#   typo_attributes      traits records may disagree on when they all name one person:
#   family_name_attributes  every record that gave the values states a given and a family
#                        name and all the names agree (slips, sound-alikes, nicknames,
#                        swapped order). Off by default: a father and son of one name on a
#                        family mailbox look the same (docs/policy.md); ["birth_date"] for
#                        sources whose dates are typed with many slips
# ---------------------------------------------------------------------------------------
[generic]
max_per_kind = 4
max_total = 12
max_persons = 1
conflict_attributes = ["birth_date", "gender"]
name_attributes = ["first_name"]
name_scripts = ["han", "hangul", "kana"]
family_name_attributes = ["last_name"]
typo_attributes = []

# ---------------------------------------------------------------------------------------
# Placeholders: values people type into forms to get past them. They are kept as evidence
# but never link. Patterns are regular expressions searched in the normalised value; for
# phones, in the digits as typed (so "0000000000" is a placeholder, not an error).
# `absent` values are treated as no value at all and reported as ignored.
# ---------------------------------------------------------------------------------------
[placeholders]
absent = ["", "-", "--", ".", "?", "0", "n/a", "na", "nil", "null", "none", "no", "unknown", "undefined", "x", "xx", "xxx"]
email = [
  '^(test|testing|tester|tests|none|no|nobody|noone|noemail|no\.?email|no-email|no_email|nomail|null|nil|na|n\.a|dummy|fake|example|sample|abc|abcd|asdf|qwerty|x+|a+|aa+|unknown|anonymous|noreply|no-reply|donotreply|do-not-reply|notavailable|not\.available|notprovided|customer|guest|walkin|walk-in)@',
  '@(example\.(com|net|org)|test\.(com|net|org)|none\.(com|net)|noemail\.(com|net)|nomail\.com|no-email\.com|fake\.com|invalid|localhost|test|none|na\.com|na\.na|abc\.com|xxx\.com|mailinator\.com)$',
]
phone_digits = [
  '^(\d)\1+$',                       # one digit repeated: 0000000000, 9999999999
  '^0?9?(\d)\1{6,}$',                # mobile prefix then one digit: 0999999999
  '(0123456|1234567|2345678|3456789|9876543|8765432|7654321|6543210)',   # sequences
]
values = []

# ---------------------------------------------------------------------------------------
# E-mail provider rules: which domains ignore dots and +tags in the local part, and
# domains that are the same mailbox under another name.
# ---------------------------------------------------------------------------------------
[email]
ignore_dots = ["gmail.com"]
strip_plus_tags = ["gmail.com", "outlook.com", "hotmail.com", "live.com", "icloud.com", "me.com", "mac.com", "fastmail.com", "protonmail.com", "proton.me"]
domain_aliases = { "googlemail.com" = "gmail.com" }

# ---------------------------------------------------------------------------------------
# Survivorship: which value of an attribute the profile shows.
#   most_recent      the latest non-empty value (default)
#   source_priority  the value from the first source in `sources`, most recent within it
#   most_frequent    the value seen in most records, most recent on a tie
# ---------------------------------------------------------------------------------------
[survivorship]
default = "most_recent"
sources = ["crm", "pos", "loyalty", "eshop", "warranty", "booking", "bookings", "line", "whatsapp", "messenger", "marketing", "web"]

[survivorship.attributes]
first_name = "source_priority"
last_name = "source_priority"
birth_date = "most_frequent"
gender = "most_frequent"

# ---------------------------------------------------------------------------------------
# Person matching: records that share no identifier joined by what they say about the
# person (docs/policy.md, "Person evidence"). Each field of two records is compared into a
# level (exact, close, different; absent when either side is silent) whose weight is
# log2(m/u): m how often true matches show that level, u how often non-matches do. The
# score is the sum. `c360 match train` estimates m, u and frequencies from the store.
#   upper        a pair scoring this or more becomes a `matched` link
#   lower        from here up to `upper`, a proposal in the review queue; below, nothing
#   veto         fields on which a `different` level rules a match out (twins share all
#                but a given name; one person keeps one birth date)
#   block_limit  a blocking key's members: its first records by id; a later record uses the
#                key no more (a common name or date finds an arbitrary sample past it)
#   fields       m and u per field, each [exact, close, different]
#   frequencies  per name field, each value's share of records: agreeing on a common
#                value weighs log2(m / share) instead of log2(m / u)
# ---------------------------------------------------------------------------------------
[match]
enabled = true
upper = 20.0
lower = 15.0
veto = []
block_limit = 100

[match.fields]
first_name = { m = [0.86, 0.10, 0.04], u = [0.01, 0.02, 0.97] }
last_name  = { m = [0.86, 0.10, 0.04], u = [0.004, 0.01, 0.986] }
birth_date = { m = [0.90, 0.08, 0.02], u = [0.0004, 0.003, 0.9966] }
gender     = { m = [0.97, 0.01, 0.03], u = [0.50, 0.01, 0.49] }
street     = { m = [0.80, 0.14, 0.06], u = [0.0005, 0.002, 0.9975] }
city       = { m = [0.85, 0.09, 0.06], u = [0.05, 0.02, 0.93] }
postcode   = { m = [0.85, 0.09, 0.06], u = [0.005, 0.02, 0.975] }

[match.frequencies]

# ---------------------------------------------------------------------------------------
# Currency: events may carry amounts in other currencies; profiles report them in the
# account currency (C360_ACCOUNT_CURRENCY). Rates are units of the account currency one
# unit of the other is worth; an amount in a currency with no rate is refused.
# ---------------------------------------------------------------------------------------
[currency.rates]
"""
