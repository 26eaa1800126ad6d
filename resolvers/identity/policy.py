"""The merge policy: identifier kinds and their roles, limits, generic values, survivorship."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from resolvers.errors import PolicyError
from resolvers.identity.default_policy import DEFAULT_POLICY_TOML
from resolvers.identity.person.settings import MatchRule, parse_match

KIND_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
NORMALISERS = ("email", "phone", "id")
CASES = ("preserve", "lower", "upper")
RULES = ("most_recent", "source_priority", "most_frequent")
FIXED_LINE = "fixed_line"
VARIANT_SETTINGS = frozenset({"role", "per_person", "shareable", "strong", "max_neighbours"})


class Role(StrEnum):
    """What an identifier kind may do in the graph."""

    LINK = "link"
    ATTACH = "attach"


@dataclass(frozen=True, slots=True)
class KindRule:
    """How one identifier kind is normalised and how far it may link."""

    name: str
    role: Role = Role.LINK
    normaliser: str = "id"
    priority: int = 50
    limit: int | None = None
    shareable: bool = False
    per_person: bool = False
    strong: bool = True
    case: str = "preserve"
    strip: str = ""
    pattern: re.Pattern[str] | None = None
    also: tuple[str, ...] = ()
    max_neighbours: Mapping[str, int] = field(default_factory=dict)
    fixed_lines: KindRule | None = None


@dataclass(frozen=True, slots=True)
class GenericRule:
    """When a value stops linking because too many people use it."""

    max_per_kind: int = 4
    max_total: int = 12
    max_persons: int = 1
    conflict_attributes: tuple[str, ...] = ("birth_date", "gender")
    name_attributes: tuple[str, ...] = ("first_name",)
    name_scripts: tuple[str, ...] = ("han", "hangul", "kana")
    family_name_attributes: tuple[str, ...] = ("last_name",)
    typo_attributes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Placeholders:
    """Values typed to get past a form: kept as evidence, never linking."""

    absent: frozenset[str] = frozenset()
    email: tuple[re.Pattern[str], ...] = ()
    phone_digits: tuple[re.Pattern[str], ...] = ()
    values: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class EmailRules:
    """Provider rules that make two spellings one mailbox."""

    ignore_dots: frozenset[str] = frozenset()
    strip_plus_tags: frozenset[str] = frozenset()
    domain_aliases: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Survivorship:
    """Which value of each attribute a profile shows."""

    default: str = "most_recent"
    sources: tuple[str, ...] = ()
    attributes: Mapping[str, str] = field(default_factory=dict)

    def rule(self, attribute: str) -> str:
        """The rule for one attribute."""
        return self.attributes.get(attribute, self.default)


class _Kinded(Protocol):
    @property
    def kind(self) -> str: ...


_K = TypeVar("_K", bound=_Kinded)


@dataclass(frozen=True, slots=True)
class MergePolicy:
    """Everything the resolver needs to decide who is who."""

    kinds: Mapping[str, KindRule]
    generic: GenericRule = GenericRule()
    placeholders: Placeholders = Placeholders()
    email: EmailRules = EmailRules()
    survivorship: Survivorship = Survivorship()
    fx_rates: Mapping[str, float] = field(default_factory=dict)
    match: MatchRule = field(default_factory=MatchRule)

    def kind(self, name: str) -> KindRule | None:
        """The rule of a kind, or None when the policy does not declare it."""
        return self.kinds.get(name)

    def priority(self, kind: str) -> int:
        """Trust of a kind; undeclared kinds (never stored) rank last."""
        rule = self.kinds.get(kind)
        return rule.priority if rule else 0

    def most_trusted(self, identifiers: Iterable[_K]) -> _K | None:
        """The identifier of the most trusted kind among these (the first one on a tie)."""
        best: _K | None = None
        for item in identifiers:
            if best is None or self.priority(item.kind) > self.priority(best.kind):
                best = item
        return best

    def limit(self, kind: str) -> int | None:
        """Most identifiers of a kind one customer may hold."""
        rule = self.kinds.get(kind)
        return rule.limit if rule else None

    def rule_of(self, kind: str, variant: str = "") -> KindRule | None:
        """The rule for identifiers of a kind, or of a variant of it (a phone's fixed line)."""
        rule = self.kinds.get(kind)
        if rule is not None and variant == FIXED_LINE and rule.fixed_lines is not None:
            return rule.fixed_lines
        return rule


def load_policy(text: str | None = None) -> MergePolicy:
    """Parse a policy file's text laid over the defaults; raise PolicyError when it is wrong."""
    base = tomllib.loads(DEFAULT_POLICY_TOML)
    if text:
        try:
            override = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise PolicyError(f"policy is not valid TOML: {error}") from error
        base = _lay_over(base, override)
        _drop_inherited_limits(base, override)
    return _build(base)


def _drop_inherited_limits(merged: dict[str, Any], override: Mapping[str, Any]) -> None:
    """A kind the file turns into ``attach`` loses the default's limit (attach takes none)."""
    kinds = override.get("kinds")
    if not isinstance(kinds, Mapping):
        return
    for name, spec in kinds.items():
        if (
            isinstance(spec, Mapping)
            and spec.get("role") == "attach"
            and "limit" not in spec
            and isinstance(merged["kinds"].get(name), dict)
        ):
            merged["kinds"][name].pop("limit", None)


def _lay_over(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _lay_over(merged[key], value)
        else:
            merged[key] = value
    return merged


# the settings each table takes: a misspelt one is an error, never silently ignored
_SETTINGS: dict[str, frozenset[str]] = {
    "generic": frozenset(
        {
            "max_per_kind",
            "max_total",
            "max_persons",
            "conflict_attributes",
            "name_attributes",
            "name_scripts",
            "family_name_attributes",
            "typo_attributes",
        }
    ),
    "placeholders": frozenset({"absent", "email", "phone_digits", "values"}),
    "email": frozenset({"ignore_dots", "strip_plus_tags", "domain_aliases"}),
    "survivorship": frozenset({"default", "sources", "attributes"}),
    "currency": frozenset({"rates"}),
}


def _build(doc: Mapping[str, Any]) -> MergePolicy:
    unknown = set(doc) - {
        "kinds", "generic", "placeholders", "email", "survivorship", "currency", "match"
    }  # fmt: skip
    if unknown:
        raise PolicyError(f"unknown policy table(s): {', '.join(sorted(unknown))}")
    for table, allowed in _SETTINGS.items():
        unknown_settings = set(_table(doc, table)) - allowed
        if unknown_settings:
            raise PolicyError(f"{table}: unknown setting(s) {', '.join(sorted(unknown_settings))}")
    kinds = {name: _kind(name, spec) for name, spec in _table(doc, "kinds").items()}
    for rule in kinds.values():
        named = [("also", rule.also), ("max_neighbours", rule.max_neighbours)]
        if rule.fixed_lines is not None:
            named.append(("fixed_lines.max_neighbours", rule.fixed_lines.max_neighbours))
        for setting, others in named:
            for other in others:
                if other not in kinds:
                    raise PolicyError(
                        f"kinds.{rule.name}.{setting} names an undeclared kind {other!r}"
                    )
    generic_doc = _table(doc, "generic")
    generic = GenericRule(
        max_per_kind=_int(generic_doc, "max_per_kind", "generic", 1),
        max_total=_int(generic_doc, "max_total", "generic", 1),
        max_persons=_int(generic_doc, "max_persons", "generic", 1, default=1),
        conflict_attributes=tuple(_strings(generic_doc, "conflict_attributes", "generic")),
        name_attributes=tuple(_strings(generic_doc, "name_attributes", "generic")),
        name_scripts=tuple(_strings(generic_doc, "name_scripts", "generic")),
        family_name_attributes=tuple(_strings(generic_doc, "family_name_attributes", "generic")),
        typo_attributes=tuple(_strings(generic_doc, "typo_attributes", "generic")),
    )
    ph = _table(doc, "placeholders")
    placeholders = Placeholders(
        absent=frozenset(s.strip().casefold() for s in _strings(ph, "absent", "placeholders")),
        email=tuple(_regex(p, "placeholders.email") for p in _strings(ph, "email", "placeholders")),
        phone_digits=tuple(
            _regex(p, "placeholders.phone_digits")
            for p in _strings(ph, "phone_digits", "placeholders")
        ),
        values=frozenset(_strings(ph, "values", "placeholders")),
    )
    em = _table(doc, "email")
    aliases = em.get("domain_aliases", {})
    if not isinstance(aliases, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in aliases.items()
    ):
        raise PolicyError("email.domain_aliases must map domains to domains")
    email = EmailRules(
        ignore_dots=frozenset(d.lower() for d in _strings(em, "ignore_dots", "email")),
        strip_plus_tags=frozenset(d.lower() for d in _strings(em, "strip_plus_tags", "email")),
        domain_aliases={k.lower(): v.lower() for k, v in aliases.items()},
    )
    sv = _table(doc, "survivorship")
    attributes = _table(sv, "attributes")
    default_rule = sv.get("default", "most_recent")
    named_rules = [(f"survivorship.attributes.{k}", v) for k, v in attributes.items()]
    for where, rule_name in [("survivorship.default", default_rule), *named_rules]:
        if rule_name not in RULES:
            raise PolicyError(f"{where}: unknown survivorship rule {rule_name!r}; use {RULES}")
    survivorship = Survivorship(
        default=default_rule,
        sources=tuple(_strings(sv, "sources", "survivorship")),
        attributes={str(k): str(v) for k, v in attributes.items()},
    )
    rates = _table(_table(doc, "currency"), "rates")
    fx_rates: dict[str, float] = {}
    for code, rate in rates.items():
        number = rate if isinstance(rate, int | float) and not isinstance(rate, bool) else None
        if (
            not (isinstance(code, str) and len(code) == 3 and code.isalpha())
            or not number
            or number <= 0
        ):
            raise PolicyError(
                f"currency.rates.{code}: rates map three-letter ISO 4217 codes to positive "
                "numbers, the units of the account currency one unit of that currency is worth"
            )
        fx_rates[code.upper()] = float(number)
    match = parse_match(_table(doc, "match"))
    return MergePolicy(kinds, generic, placeholders, email, survivorship, fx_rates, match)


def _kind(name: str, spec: Any, where: str = "") -> KindRule:
    where = where or f"kinds.{name}"
    if not KIND_NAME.match(name):
        raise PolicyError(f"{where}: a kind name is lower-case letters, digits and _")
    if not isinstance(spec, Mapping):
        raise PolicyError(f"{where} must be a table")
    known = {
        "role", "normaliser", "priority", "limit", "shareable", "per_person", "strong",
        "case", "strip", "pattern", "also", "max_neighbours", "fixed_lines",
    }  # fmt: skip
    unknown = set(spec) - known
    if unknown:
        raise PolicyError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
    try:
        role = Role(spec.get("role", "link"))
    except ValueError:
        raise PolicyError(f"{where}.role must be 'link' or 'attach'") from None
    normaliser = spec.get("normaliser", "id")
    if normaliser not in NORMALISERS:
        raise PolicyError(f"{where}.normaliser must be one of {NORMALISERS}")
    case = spec.get("case", "preserve")
    if case not in CASES:
        raise PolicyError(f"{where}.case must be one of {CASES}")
    limit = spec.get("limit")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise PolicyError(f"{where}.limit must be a whole number of at least 1")
    if role is Role.ATTACH and limit is not None:
        raise PolicyError(f"{where}: an attach kind joins one customer and takes no limit")
    max_neighbours = spec.get("max_neighbours", {})
    if not isinstance(max_neighbours, Mapping) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in max_neighbours.values()
    ):
        raise PolicyError(f"{where}.max_neighbours maps kinds to whole numbers of at least 1")
    pattern = spec.get("pattern")
    strip = spec.get("strip", "")
    if not isinstance(strip, str):
        raise PolicyError(f"{where}.strip must be a string of characters")
    rule = KindRule(
        name=name,
        role=role,
        normaliser=normaliser,
        priority=_int(spec, "priority", where, 1, 1000, default=50),
        limit=limit,
        shareable=_bool(spec, "shareable", where, False),
        per_person=_bool(spec, "per_person", where, False),
        strong=_bool(spec, "strong", where, role is Role.LINK),
        case=case,
        strip=strip,
        pattern=_regex(pattern, f"{where}.pattern") if pattern is not None else None,
        also=tuple(_strings(spec, "also", where)),
        max_neighbours=dict(max_neighbours),
    )
    variant = spec.get("fixed_lines")
    if variant is None:
        return rule
    # checked after the phone's own settings, so that each error names where it is
    if normaliser != "phone" or not isinstance(variant, Mapping):
        raise PolicyError(f"{where}.fixed_lines is a table, for phone kinds only")
    extra = set(variant) - VARIANT_SETTINGS
    if extra:
        raise PolicyError(f"{where}.fixed_lines may set only {', '.join(sorted(VARIANT_SETTINGS))}")
    parent = {k: v for k, v in spec.items() if k != "fixed_lines"}
    if variant.get("role") == "attach":
        parent.pop("limit", None)
    return replace(rule, fixed_lines=_kind(name, {**parent, **variant}, f"{where}.fixed_lines"))


def _table(doc: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = doc.get(key, {})
    if not isinstance(value, Mapping):
        raise PolicyError(f"{key} must be a table")
    return value


def _strings(doc: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = doc.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyError(f"{where}.{key} must be a list of strings")
    return value


def _int(
    doc: Mapping[str, Any],
    key: str,
    where: str,
    lowest: int,
    highest: int = 1_000_000,
    default: int | None = None,
) -> int:
    value = doc.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not lowest <= value <= highest:
        raise PolicyError(f"{where}.{key} must be a whole number from {lowest} to {highest}")
    return value


def _bool(doc: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
    value = doc.get(key, default)
    if not isinstance(value, bool):
        raise PolicyError(f"{where}.{key} must be true or false")
    return value


def _regex(pattern: Any, where: str) -> re.Pattern[str]:
    if not isinstance(pattern, str):
        raise PolicyError(f"{where} must be a regular expression string")
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as error:
        raise PolicyError(f"{where}: invalid regular expression: {error}") from error
