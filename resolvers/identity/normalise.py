"""Normalisers: raw channel values to identifiers, or a precise refusal."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

from resolvers.errors import InvalidIdentifier
from resolvers.identity.identifiers import Identifier
from resolvers.identity.policy import FIXED_LINE, KindRule, MergePolicy

MAX_VALUE_LENGTH = 256
_EMAIL_LOCAL = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+$")
_DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_PHONE_TEXT = re.compile(r"^[0-9+()\-.\s/]+$")
# What channels wrap around a number: a URI scheme (tel:, Twilio's whatsapp:) before it, an
# extension after it ("ext. 12", "x12", "#123", "分機 123", "轉123").
_PHONE_SCHEME = re.compile(r"^(?:tel|whatsapp|sms|callto):\s*", re.IGNORECASE)
_EXTENSION = re.compile(
    r"\s*(?:(?:ext|extn|extension|x)\.?|#|分機|轉)\s*\d{1,6}\s*$", re.IGNORECASE
)
# What mail tools wrap around an address: a display name ("Jane Doe <jane@x.com>"), a
# mailto: link (with its ?subject=...), a list separator left at the end.
_DISPLAY_NAME = re.compile(r"^[^<>@]*<\s*([^<>\s]+)\s*>$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Unicode format characters (category Cf): BOM, zero-width spaces and joiners, bidi controls
# (RLO), soft hyphen, tags. Invisible, so two values that differ only by them are one value,
# and a value made only of them is no value. tests/unit/test_normalise.py checks this list
# against unicodedata.
_INVISIBLE = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]"
)
# Numbers that belong to a place rather than a person: landlines and business lines.
_SHARED_LINES = frozenset(
    {
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.TOLL_FREE,
        phonenumbers.PhoneNumberType.SHARED_COST,
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
        phonenumbers.PhoneNumberType.UAN,
    }
)


@dataclass(frozen=True, slots=True)
class Normalised:
    """A normalised identifier, whether it is a placeholder, and its variant ("fixed_line")."""

    identifier: Identifier
    placeholder: bool = False
    variant: str = ""


class Normaliser:
    """Normalises identifiers by the policy's kinds; caches the costly phone parses."""

    def __init__(self, policy: MergePolicy, default_region: str | None = None) -> None:
        self.policy = policy
        self.region = default_region.upper() if default_region else None
        self._phone = lru_cache(maxsize=262_144)(self._parse_phone)
        self._email = lru_cache(maxsize=262_144)(self._parse_email)
        self._phone_digits = lru_cache(maxsize=262_144)(self._parse_digits)

    def normalise(self, kind: str, raw: str) -> list[Normalised] | None:
        """The identifiers a raw value yields; None when the value is absent ("", "n/a")."""
        rule = self.policy.kind(kind)
        if rule is None:
            raise InvalidIdentifier(
                kind, "unknown identifier kind; declare it in the policy", field="kind"
            )
        text = unicodedata.normalize("NFKC", raw)
        if not text.isascii():
            text = _INVISIBLE.sub("", text)
        text = text.strip()
        if text.casefold() in self.policy.placeholders.absent:
            return None
        if len(text) > MAX_VALUE_LENGTH:
            raise InvalidIdentifier(kind, f"longer than {MAX_VALUE_LENGTH} characters")
        if _CONTROL.search(text):
            raise InvalidIdentifier(kind, "contains control characters")
        fixed = False
        if rule.normaliser == "email":
            value, placeholder = self._email(text)
        elif rule.normaliser == "phone":
            value, placeholder, fixed = self._phone(text)
        else:
            value = self._id(rule, text)
            placeholder = False
        if rule.pattern is not None and not placeholder and not rule.pattern.fullmatch(value):
            raise InvalidIdentifier(kind, f"does not match the pattern declared for {kind}")
        variant = FIXED_LINE if fixed else ""
        out = [Normalised(Identifier(kind, value), placeholder, variant)]
        out.extend(Normalised(Identifier(o, value), placeholder, variant) for o in rule.also)
        if self.policy.placeholders.values:
            out = [
                Normalised(n.identifier, True, n.variant)
                if n.identifier.key in self.policy.placeholders.values
                else n
                for n in out
            ]
        return out

    def _id(self, rule: KindRule, text: str) -> str:
        if rule.strip:
            text = text.translate({ord(c): None for c in rule.strip})
        if rule.case == "lower":
            text = text.lower()
        elif rule.case == "upper":
            text = text.upper()
        if not text:
            raise InvalidIdentifier(rule.name, "is empty")
        return text

    def _parse_email(self, text: str) -> tuple[str, bool]:
        wrapped = _DISPLAY_NAME.match(text)
        if wrapped:
            text = wrapped.group(1)
        text = text.lower()
        if text.startswith("mailto:"):
            text = text[len("mailto:") :].split("?", 1)[0]
        text = text.rstrip(";, ")
        if text.count("@") != 1:
            raise InvalidIdentifier("email", "an e-mail address has exactly one @")
        local, domain = text.split("@")
        domain = domain.rstrip(".")
        if not local or len(local) > 64 or not _EMAIL_LOCAL.match(local):
            raise InvalidIdentifier("email", "the part before @ is empty or has invalid characters")
        if local.startswith(".") or local.endswith(".") or ".." in local:
            raise InvalidIdentifier("email", "the part before @ has misplaced dots")
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise InvalidIdentifier("email", "the domain is not a valid host name") from None
        labels = domain.split(".")
        if len(labels) < 2 or not all(_DOMAIN_LABEL.match(label) for label in labels):
            raise InvalidIdentifier("email", "the domain is not a valid host name")
        rules = self.policy.email
        domain = rules.domain_aliases.get(domain, domain)
        if domain in rules.strip_plus_tags:
            local = local.split("+", 1)[0]
        if domain in rules.ignore_dots:
            local = local.replace(".", "")
        if not local:
            raise InvalidIdentifier("email", "the part before @ is empty once provider rules apply")
        value = f"{local}@{domain}"
        placeholder = any(p.search(value) for p in self.policy.placeholders.email)
        return value, placeholder

    def _parse_phone(self, text: str) -> tuple[str, bool, bool]:
        """E.164 form, whether it is a placeholder, and whether it is a shared line.

        An extension is dropped: the identity is the line. Whether the line is shared comes
        from the number alone, so that every spelling of it gives the same identifier.
        """
        text = _PHONE_SCHEME.sub("", text, count=1)
        extension = _EXTENSION.search(text)
        if extension is not None:
            text = text[: extension.start()]
        if not _PHONE_TEXT.match(text):
            raise InvalidIdentifier("phone", "contains characters that are not part of a number")
        digits = "".join(ch for ch in text if ch.isdigit())
        # "0912-345-678" and "0912 345 678" are one number: parse each spelling once
        return self._phone_digits(("+" if text.startswith("+") else "") + digits)

    def _parse_digits(self, text: str) -> tuple[str, bool, bool]:
        digits = text.lstrip("+")
        if not 4 <= len(digits) <= 17:
            raise InvalidIdentifier("phone", "has too few or too many digits")
        number, kind = self._valid_number(text, digits)
        national = str(number.national_number) if number is not None else None
        patterns = self.policy.placeholders.phone_digits
        placeholder = any(
            p.search(candidate) for p in patterns for candidate in (digits, national) if candidate
        )
        if number is not None:
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            return e164, placeholder, kind in _SHARED_LINES
        if placeholder:
            return digits, True, False
        if self.region is None and not text.startswith("+"):
            raise InvalidIdentifier(
                "phone",
                "not a valid international number, and no default region "
                "(C360_DEFAULT_REGION) is set to read national numbers",
            )
        raise InvalidIdentifier("phone", "not a valid phone number")

    def _valid_number(
        self, text: str, digits: str
    ) -> tuple[phonenumbers.PhoneNumber | None, int | None]:
        """The parsed number and its type, if any reading of the text is a valid number."""
        attempts = [text]
        if not text.startswith("+"):
            attempts.append("+" + (digits[2:] if digits.startswith("00") else digits))
        for attempt in attempts:
            try:
                number = phonenumbers.parse(attempt, self.region)
            except phonenumbers.NumberParseException:
                continue
            kind = phonenumbers.number_type(number)  # UNKNOWN exactly when the number is invalid
            if kind != phonenumbers.PhoneNumberType.UNKNOWN:
                return number, kind
        return None, None
