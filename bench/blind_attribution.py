"""Wrong pairs of a blind-world run, attributed to the link that joined two people.

For every engine customer holding records of two or more people, each identifier is given
an owner (the person most of the records carrying it belong to). A record that carries two
identifiers of the customer with different owners made the link that crossed from one person
to the other: that is the *bridge*. For each bridge the report says which kinds it joined,
the mess the record carries (a shared login, a spouse on a loyalty card…), and what the
record said about the person compared with the other records of each side: whether a birth
date, a given name (by script) or a family name could have told the two people apart.

Wrong record pairs are counted per pair of people: a pair of people joined by a direct bridge
is charged to it (the first, by kind order, when several join them); one joined only through
a third person is charged to ``chain``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from resolvers.identity.person.compare import Level, name_level
from resolvers.identity.person.names import split_name
from resolvers.identity.person.record import birth_date as read_date
from resolvers.identity.person.record import name_text
from resolvers.identity.traits import _same_date, name_token, script_of

FOREIGN = ("shared_account", "shared_loyalty", "buys_for_family", "registered_by_family")


class _Record(Protocol):
    body: dict[str, Any]
    person: str
    tags: list[str]


def stated(rec: _Record) -> dict[str, str]:
    """What a record says about its person: given name (and its script), family name, date."""
    a = rec.body["attributes"]
    given, family = split_name(a.get("first_name"), a.get("last_name"))
    out: dict[str, str] = {}
    token = name_token(given)
    if token:
        out["given"] = token
        out["script"] = script_of(token)
        out["given_latin"] = name_text(given)
    fam = name_token(family)
    if fam:
        out["family"] = fam
        out["family_script"] = script_of(fam)
    when = read_date(a.get("birth_date"))
    if when:
        out["dob"] = when
    g = (a.get("gender") or "").strip().casefold()
    if g:
        out["gender"] = g
    return out


def tell_apart(r: Mapping[str, str], others: Sequence[Mapping[str, str]]) -> list[str]:
    """Which evidence shows the record's person differs from the people of ``others``
    (every other record must disagree for a field to count; none stated: nothing)."""
    found = []
    dobs = [o["dob"] for o in others if "dob" in o]
    if "dob" in r and dobs and not any(_same_date(r["dob"], d) for d in dobs):
        found.append("birth date")
    if "given" in r:
        same = [o for o in others if o.get("script") == r["script"]]
        if same and not any(_alike(r, o) for o in same):
            found.append("given name " + ("latin" if r["script"] == "latin" else "cjk"))
    if "family" in r:
        same = [o for o in others if o.get("family_script") == r["family_script"]]
        if same and not any(o["family"] == r["family"] for o in same):
            found.append("family name")
    return found


def _alike(a: Mapping[str, str], b: Mapping[str, str]) -> bool:
    x, y = a["given"], b["given"]
    if a["script"] != "latin":
        return (
            x in y
            or y in x
            or (len(x) == len(y) >= 2 and sum(p != q for p, q in zip(x, y, strict=True)) == 1)
        )
    return name_level(a["given_latin"], b["given_latin"]) in (Level.EXACT, Level.CLOSE)


def attribute(
    records: Sequence[_Record],
    predicted: Mapping[str, str],
    key_customer: Mapping[str, str],
    keys_of: Any,
    examples: int = 4,
) -> dict[str, Any]:
    """The wrong pairs grouped by the bridge that joined them."""
    rkeys = {r.body["id"]: sorted(set(keys_of(r.body))) for r in records}
    carriers: dict[str, list[_Record]] = defaultdict(list)
    for r in records:
        for k in rkeys[r.body["id"]]:
            carriers[k].append(r)
    owner: dict[str, str] = {}
    for k, recs in carriers.items():
        # whose value it is: records that carry another person's identifiers do not count
        own = [r for r in recs if not set(r.tags) & set(FOREIGN)] or recs
        c = Counter(r.person for r in own)
        owner[k] = min(c, key=lambda p: (-c[p], p))
    clusters: dict[str, list[_Record]] = defaultdict(list)
    for r in records:
        if r.body["id"] in predicted:
            clusters[predicted[r.body["id"]]].append(r)
    said = {r.body["id"]: stated(r) for r in records}

    groups: dict[tuple[str, str], dict[str, Any]] = {}
    evidence: Counter[str] = Counter()
    total = 0
    for cust, recs in sorted(clusters.items()):
        people = Counter(r.person for r in recs)
        if len(people) < 2:
            continue
        bridges: dict[frozenset[str], list[dict[str, Any]]] = defaultdict(list)
        for r in recs:
            keys = [k for k in rkeys[r.body["id"]] if key_customer.get(k) == cust]
            for i, k1 in enumerate(keys):
                for k2 in keys[i + 1 :]:
                    if owner[k1] == owner[k2]:
                        continue
                    pair = frozenset((owner[k1], owner[k2]))
                    bridges[pair].append(_bridge(r, k1, k2, owner, carriers, said))
        persons = sorted(people)
        for i, p in enumerate(persons):
            for q in persons[i + 1 :]:
                n = people[p] * people[q]
                total += n
                found = bridges.get(frozenset((p, q)))
                chained = ""
                if not found:
                    found = _first_hop(p, q, bridges)
                    chained = " (chain)"
                if not found:
                    key = (_carried(recs, p, q, rkeys, owner, cust, key_customer), "-")
                    why = "-"
                else:
                    b = min(found, key=lambda x: (x["kinds"], x["record"]["id"]))
                    key = (b["pattern"] + chained, b["kinds"])
                    why = b["could_tell"]
                entry = groups.setdefault(
                    key, {"pairs": 0, "people_pairs": 0, "could_tell": Counter(), "examples": []}
                )
                entry["pairs"] += n
                entry["people_pairs"] += 1
                entry["could_tell"][why] += n
                evidence[why] += n
                if found and len(entry["examples"]) < examples:
                    entry["examples"].append(b)
    rows = [
        {"pattern": k[0], "kinds": k[1], **v, "could_tell": dict(v["could_tell"].most_common())}
        for k, v in sorted(groups.items(), key=lambda kv: -kv[1]["pairs"])
    ]
    return {"wrong_pairs": total, "by_bridge": rows, "could_tell": dict(evidence.most_common())}


def _carried(
    recs: Sequence[_Record],
    p: str,
    q: str,
    rkeys: Mapping[str, list[str]],
    owner: Mapping[str, str],
    cust: str,
    key_customer: Mapping[str, str],
) -> str:
    """Why two people with no bridge share a customer: a record of one carries only the
    other's identifiers (no link was decided: the record simply follows its identifier)."""
    for r in recs:
        if r.person not in (p, q):
            continue
        keys = [k for k in rkeys[r.body["id"]] if key_customer.get(k) == cust]
        if keys and all(owner[k] != r.person for k in keys):
            tags = [t for t in FOREIGN if t in r.tags] or ["untagged"]
            kinds = ",".join(sorted({k.split(":", 1)[0] for k in keys}))
            return f"record carries only another's identifier ({tags[0]}; {kinds})"
    return "no bridge found"


def _first_hop(
    p: str, q: str, bridges: Mapping[frozenset[str], list[dict[str, Any]]]
) -> list[dict[str, Any]] | None:
    """The bridges of the first link on a shortest path of bridges from ``p`` to ``q``."""
    near: dict[str, set[str]] = defaultdict(set)
    for pair in bridges:
        if len(pair) == 2:
            x, y = sorted(pair)
            near[x].add(y)
            near[y].add(x)
    first: dict[str, str] = {p: ""}
    queue = [p]
    for node in queue:
        for nxt in sorted(near[node]):
            if nxt not in first:
                first[nxt] = first[node] or nxt
                queue.append(nxt)
    hop = first.get(q)
    return bridges.get(frozenset((p, hop))) if hop else None


def _bridge(
    r: _Record,
    k1: str,
    k2: str,
    owner: Mapping[str, str],
    carriers: Mapping[str, list[_Record]],
    said: Mapping[str, dict[str, str]],
) -> dict[str, Any]:
    """One record joining identifiers of two owners, and what could have told them apart."""
    # the foreign identifier is the one whose owner is not the record's stated person's side;
    # compare the record with the other records of each identifier
    sides = {}
    for k in (k1, k2):
        others = [said[o.body["id"]] for o in carriers[k] if o.body["id"] != r.body["id"]]
        others = [o for o in others if o]
        sides[k] = {
            "owner": owner[k],
            "others": len(others),
            "tell": tell_apart(said[r.body["id"]], others),
        }
    tags = [t for t in FOREIGN if t in r.tags]
    kinds = "–".join(sorted(k.split(":", 1)[0] for k in (k1, k2)))
    tells = sorted({t for s in sides.values() for t in s["tell"]})
    if not said[r.body["id"]]:
        could = "record states nothing"
    elif tells:
        could = " + ".join(tells)
    elif all(s["others"] == 0 for s in sides.values()):
        could = "other records state nothing"
    else:
        could = "nothing comparable"
    return {
        "pattern": tags[0] if tags else "none (" + ",".join(sorted(set(r.tags))[:3]) + ")",
        "kinds": kinds,
        "could_tell": could,
        "record": {
            "id": r.body["id"],
            "person": r.person,
            "source": r.body["source"],
            "identifiers": [k1, k2],
            "stated": said[r.body["id"]],
        },
        "sides": {
            k: {**v, "examples": [said[o.body["id"]] for o in carriers[k][:3]]}
            for k, v in sides.items()
        },
    }


def markdown(report: Mapping[str, Any]) -> str:
    """The attribution as a markdown table."""
    lines = [
        f"wrong pairs: {report['wrong_pairs']}",
        "",
        "| pattern of the bridging record | kinds it joined | wrong pairs | pairs of people "
        "| could tell apart |",
        "|---|---|---:|---:|---|",
    ]
    for row in report["by_bridge"]:
        tell = "; ".join(f"{k} {v}" for k, v in row["could_tell"].items())
        lines.append(
            f"| {row['pattern']} | {row['kinds']} | {row['pairs']} | {row['people_pairs']} "
            f"| {tell} |"
        )
    lines += ["", "| evidence that could tell them apart | wrong pairs |", "|---|---:|"]
    lines += [f"| {k} | {v} |" for k, v in report["could_tell"].items()]
    return "\n".join(lines)
