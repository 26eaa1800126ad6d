"""Estimating the matcher's weights from the store's own records, as Splink does.

``u`` (how often non-matches show each level) is counted on random pairs of records, nearly
all of them different people; ``m`` (how often true matches show it) is estimated by
expectation–maximisation over the pairs that share a blocking key, with ``u`` held fixed.
Term frequencies are each name's and city's share of records. Labelled pairs (a steward's
"link" or "never") may be given: they count with a fixed probability of 1 or 0.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from resolvers.identity.person.compare import FIELDS, Level, compare
from resolvers.identity.person.record import PersonRecord
from resolvers.identity.person.settings import FREQUENCY_FIELDS, LEVELS, FieldWeights, MatchRule

FLOOR = 0.0005  # no level is impossible: a weight stays finite
MAX_FREQUENCIES = 200  # the commonest values kept per field


@dataclass(frozen=True, slots=True)
class Trained:
    """Weights and frequencies estimated from records, and what they came from."""

    fields: Mapping[str, FieldWeights]
    frequencies: Mapping[str, Mapping[str, float]]
    prior: float  # share of candidate pairs estimated to be one person
    records: int
    candidate_pairs: int
    random_pairs: int
    iterations: int


def estimate(
    records: Sequence[PersonRecord],
    sessions: Mapping[frozenset[str], Sequence[tuple[int, int]]],
    rule: MatchRule,
    *,
    random_pairs: int = 50_000,
    iterations: int = 25,
    seed: int = 0,
    labels: Mapping[tuple[int, int], bool] | None = None,
) -> Trained:
    """Estimate m by EM, u from random pairs; start from ``rule``.

    As Splink trains per blocking rule: each session is the pairs one kind of blocking key
    made, with the fields that key is built from (they agree by construction, so those pairs
    say nothing of them). A field's m is the mean over the sessions that estimate it.
    """
    u = _u_from_random(records, random_pairs, seed, rule)
    found: dict[str, list[list[float]]] = {f: [] for f in FIELDS}
    priors, total = [], 0
    for excluded, session in sorted(sessions.items(), key=lambda kv: sorted(kv[0])):
        pairs = sorted(set(session))
        if not pairs:
            continue
        total += len(pairs)
        learned, prior = _em(records, pairs, excluded, rule, u, iterations, labels or {})
        priors.append(prior)
        for f in FIELDS:
            if f not in excluded:
                found[f].append(learned[f])
    fields = {}
    for f in FIELDS:
        estimates = found[f]
        mean = (
            [sum(e[i] for e in estimates) / len(estimates) for i in range(3)]
            if estimates
            else list(rule.fields[f].m)
        )
        fields[f] = FieldWeights(_triple(mean), _triple(u[f]))
    prior = sum(priors) / len(priors) if priors else 0.0
    return Trained(
        fields, frequencies(records), prior, len(records), total, random_pairs, iterations
    )


def _em(
    records: Sequence[PersonRecord],
    pairs: Sequence[tuple[int, int]],
    excluded: frozenset[str],
    rule: MatchRule,
    u: Mapping[str, list[float]],
    iterations: int,
    known: Mapping[tuple[int, int], bool],
) -> tuple[dict[str, list[float]], float]:
    vectors = []
    for a, b in pairs:
        levels = compare(records[a], records[b])
        vectors.append({f: Level.ABSENT if f in excluded else levels[f] for f in FIELDS})
    m = {f: list(rule.fields[f].m) for f in FIELDS}
    prior = 0.5
    for _ in range(iterations):
        totals = {f: [0.0, 0.0, 0.0] for f in FIELDS}
        share = 0.0
        for pair, levels in zip(pairs, vectors, strict=True):
            p = float(known[pair]) if pair in known else _posterior(levels, m, u, prior)
            share += p
            for f in FIELDS:
                level = levels[f]
                if level is not Level.ABSENT:
                    totals[f][LEVELS.index(level)] += p
        prior = min(max(share / len(pairs), FLOOR), 1 - FLOOR)
        for f in FIELDS:
            if sum(totals[f]) > 0:
                m[f] = _normalised(totals[f])
    return m, prior


def _posterior(
    levels: Mapping[str, Level], m: Mapping[str, list[float]], u: Mapping[str, list[float]],
    prior: float,
) -> float:  # fmt: skip
    pm, pu = prior, 1 - prior
    for f in FIELDS:
        level = levels[f]
        if level is not Level.ABSENT:
            i = LEVELS.index(level)
            pm *= m[f][i]
            pu *= u[f][i]
    return pm / (pm + pu) if pm + pu > 0 else 0.0


def _u_from_random(
    records: Sequence[PersonRecord], count: int, seed: int, rule: MatchRule
) -> dict[str, list[float]]:
    counts = {f: [0.0, 0.0, 0.0] for f in FIELDS}
    if len(records) >= 2:
        rng = random.Random(seed)
        for _ in range(count):
            a, b = rng.sample(range(len(records)), 2)
            levels = compare(records[a], records[b])
            for f in FIELDS:
                if levels[f] is not Level.ABSENT:
                    counts[f][LEVELS.index(levels[f])] += 1
    return {
        f: _normalised(counts[f]) if sum(counts[f]) > 0 else list(rule.fields[f].u) for f in FIELDS
    }


def _normalised(values: Sequence[float]) -> list[float]:
    floored = [max(v / sum(values), FLOOR) for v in values]
    return [v / sum(floored) for v in floored]


def _triple(values: Sequence[float]) -> tuple[float, float, float]:
    a, b, c = (min(max(round(v, 6), FLOOR), 1 - FLOOR) for v in values)
    return (a, b, c)


def frequencies(records: Sequence[PersonRecord]) -> dict[str, dict[str, float]]:
    """The commonest values of each name field and the city, with their share of records."""
    out = {}
    for name in FREQUENCY_FIELDS:
        values = Counter(v.replace(" ", "") for r in records if (v := getattr(r, name)))
        total = sum(values.values())
        if total:
            common = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_FREQUENCIES]
            out[name] = {v: round(n / total, 6) for v, n in common if n > 1}
    return out


def policy_toml(trained: Trained) -> str:
    """A policy file's ``[match.fields]`` and ``[match.frequencies]`` tables for the weights."""
    lines = [
        "# Written by `c360 match train` from "
        f"{trained.records:,} records, {trained.candidate_pairs:,} candidate pairs and "
        f"{trained.random_pairs:,} random pairs",
        f"# ({trained.iterations} EM iterations; estimated share of candidate pairs that are "
        f"one person: {trained.prior:.3f}). Apply to stored records with `c360 reresolve`.",
        "[match.fields]",
    ]
    for name in FIELDS:
        w = trained.fields[name]
        lines.append(f"{name} = {{ m = {_list(w.m)}, u = {_list(w.u)} }}")
    for name, table in sorted(trained.frequencies.items()):
        if table:
            lines.append(f"\n[match.frequencies.{name}]")
            lines += [f"{_key(v)} = {share}" for v, share in table.items()]
    return "\n".join(lines) + "\n"


def _list(values: Sequence[float]) -> str:
    return "[" + ", ".join(f"{v:.6g}" for v in values) + "]"


def _key(value: str) -> str:
    return json.dumps(value)  # a TOML basic string: values are normalised ASCII words
