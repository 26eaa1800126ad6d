"""Quality of an identity clustering against ground truth, and the best one evidence allows."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

from app.demo.channels import GeneratedObservation
from resolvers.union_find import DisjointSets

Normaliser = Callable[[str, str], Sequence[str]]

_MIXED = "\x00several"  # owner marker of a key seen in records of two or more persons
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class PairwiseScore:
    """Pairwise precision, recall and F1 of a clustering, with the pair counts behind them."""

    precision: float
    recall: float
    f1: float
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int


def _pairs(n: int) -> int:
    """How many unordered pairs ``n`` items make."""
    return n * (n - 1) // 2


def pairwise_score(truth: Mapping[str, str], predicted: Mapping[str, str]) -> PairwiseScore:
    """Pairwise scores of ``predicted`` against ``truth`` (record id -> label), from counts."""
    # Only records in truth count; those missing from predicted are singletons. With no
    # predicted pairs precision is 1.0, with no true pairs recall is 1.0: nothing was wrong.
    true_sizes: Counter[str] = Counter()
    predicted_sizes: Counter[Hashable] = Counter()
    joint: Counter[tuple[str, Hashable]] = Counter()
    for record, person in truth.items():
        label = predicted.get(record)
        cluster: Hashable = ("cluster", label) if label is not None else ("single", record)
        true_sizes[person] += 1
        predicted_sizes[cluster] += 1
        joint[(person, cluster)] += 1
    true_pairs = sum(_pairs(n) for n in true_sizes.values())
    predicted_pairs = sum(_pairs(n) for n in predicted_sizes.values())
    correct = sum(_pairs(n) for n in joint.values())
    precision = correct / predicted_pairs if predicted_pairs else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PairwiseScore(precision, recall, f1, true_pairs, predicted_pairs, correct)


def truth_clustering(observations: Iterable[GeneratedObservation]) -> dict[str, str]:
    """The true clustering: record id -> person id."""
    return {obs.body["id"]: obs.person_id for obs in observations}


def _components(
    observations: Iterable[GeneratedObservation], normalise: Normaliser, exclusive: bool
) -> dict[str, str]:
    """Records joined by shared identifier keys (only keys of one true person if exclusive)."""
    sets: DisjointSets[int] = DisjointSets()
    position: dict[str, int] = {}
    records: dict[str, list[int]] = {}
    owner: dict[str, str] = {}
    for obs in observations:
        body = obs.body
        i = position.get(body["id"])
        if i is None:
            i = position[body["id"]] = len(position)
            sets.add(i)
        for ident in body["identifiers"]:
            for key in normalise(ident["kind"], ident["value"]):
                records.setdefault(key, []).append(i)
                seen = owner.setdefault(key, obs.person_id)
                if seen != obs.person_id:
                    owner[key] = _MIXED
    for key, members in records.items():
        if exclusive and owner[key] == _MIXED:
            continue
        first = members[0]
        for other in members[1:]:
            sets.union(first, other)
    label: dict[int, str] = {}
    for record, i in position.items():
        root = sets.find(i)
        if root not in label or record < label[root]:
            label[root] = record
    return {record: label[sets.find(i)] for record, i in position.items()}


def evidence_ceiling(
    observations: Sequence[GeneratedObservation], normalise: Normaliser
) -> dict[str, str]:
    """The best clustering identifiers allow: records joined by keys of exactly one person."""
    # normalise(kind, raw) answers the keys a value yields (none when invalid). A key seen in
    # records of two or more persons (a shared landline, a family mailbox or computer, a
    # shop's phone, a placeholder) never links. Labels are each component's smallest record
    # id, so the answer does not depend on the order of the observations.
    return _components(observations, normalise, exclusive=True)


def naive_components(
    observations: Sequence[GeneratedObservation], normalise: Normaliser
) -> dict[str, str]:
    """Connected components over every shared identifier key: what naive linking gives."""
    return _components(observations, normalise, exclusive=False)


def reference_normaliser(region: str = "TW") -> Normaliser:
    """A quick normaliser for reports and tests: close to the engine's, but not it."""
    # E-mails trimmed and lower-cased (Gmail: dots and +tags dropped, googlemail.com is
    # gmail.com); phones parsed to E.164, placeholders included, impossible ones invalid; a
    # WhatsApp id also yields a phone key; loyalty ids upper-cased without spaces or dashes;
    # anonymous ids lower-cased; other kinds trimmed.

    @lru_cache(maxsize=1 << 18)
    def phone(raw: str) -> str | None:
        """The E.164 form of a phone, or None."""
        try:
            number = phonenumbers.parse(raw.strip(), region)
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_possible_number(number):
            return None
        return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))

    def normalise(kind: str, raw: str) -> Sequence[str]:
        """The identifier keys of one raw value."""
        value = raw.strip()
        if not value:
            return ()
        if kind == "email":
            value = value.lower()
            if not _EMAIL.match(value):
                return ()
            local, _, domain = value.partition("@")
            if domain in ("gmail.com", "googlemail.com"):
                local, domain = local.partition("+")[0].replace(".", ""), "gmail.com"
            return (f"email:{local}@{domain}",)
        if kind in ("phone", "whatsapp_id"):
            e164 = phone(value)
            if e164 is None:
                return ()
            if kind == "whatsapp_id":
                return (f"whatsapp_id:{e164}", f"phone:{e164}")
            return (f"phone:{e164}",)
        if kind == "loyalty_id":
            return (f"loyalty_id:{value.upper().replace(' ', '').replace('-', '')}",)
        if kind == "anonymous_id":
            return (f"anonymous_id:{value.lower()}",)
        return (f"{kind}:{value}",)

    return normalise
