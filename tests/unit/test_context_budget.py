"""Context that fits a prompt: a budget that holds, limits first, contact values never leaked."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resolvers.customer360.context import (
    HIDDEN,
    MIN_CHARS,
    build_context,
    contact_values,
    fit_json,
    json_chars,
)
from tests.factories import profile_of

emails = st.builds(
    "{}@{}.{}".format,
    st.text("abcdefghijklmnopqrstuvwxyz0123456789._", min_size=2, max_size=12).filter(
        lambda s: s[0].isalnum()
    ),
    st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=8),
    st.sampled_from(["com", "tw", "com.tw", "net"]),
)
phones = st.builds("+8869{:08d}".format, st.integers(0, 99_999_999))
words = st.text("abcdefghij klmnop", max_size=40)


def _identifiers(values: list[str], kind: str) -> list[dict[str, Any]]:
    seen = "2026-01-01T00:00:00Z"
    return [
        {"key": f"{kind}:{v}", "value": v, "first_seen_at": seen, "last_seen_at": seen}
        for v in values
    ]


@st.composite
def profiles(draw: st.DrawFn, base: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Jane with generated contacts, written again into free text, and crowded sections."""
    profile = copy.deepcopy(base)
    mails = draw(st.lists(emails, min_size=1, max_size=4, unique=True))
    numbers = draw(st.lists(phones, min_size=1, max_size=4, unique=True))
    profile["identity"]["identifiers"]["email"] = _identifiers(mails, "email")
    profile["identity"]["identifiers"]["phone"] = _identifiers(numbers, "phone")
    contacts = [*mails, *numbers]

    def mention() -> str:
        value = draw(st.sampled_from(contacts))
        written = draw(
            st.sampled_from(
                [value, value.upper(), value.lstrip("+"), "0" + value[4:]]
                if value.startswith("+")
                else [value, value.upper()]
            )
        )
        return f"{draw(words)} {written} {draw(words)}"

    service = profile["service"]
    claim = service["open_claims"][0]
    service["open_claims"] = [
        {**claim, "claim_id": f"CL{n}", "issue": mention()} for n in range(draw(st.integers(0, 30)))
    ]
    talk = service["recent_conversations"][0]
    service["recent_conversations"] = [
        {**talk, "conversation_id": f"V{n}", "sentiment": "negative", "topic": mention()}
        for n in range(draw(st.integers(0, 10)))
    ]
    booking = service["upcoming_bookings"][0]
    service["upcoming_bookings"] = [
        {**booking, "booking_id": f"B{n}", "service": mention()}
        for n in range(draw(st.integers(0, 10)))
    ]
    return profile, contacts


def _leaks(doc: Any, contacts: list[str]) -> list[str]:
    text = json.dumps(doc, ensure_ascii=False).lower()
    found = []
    for value in contacts:
        forms = [value, value.lstrip("+"), "0" + value[4:]] if value.startswith("+") else [value]
        found.extend(f for f in forms if f.lower() in text)
    return found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), budget=st.integers(MIN_CHARS, 6000))
def test_masking_never_leaks_a_contact_value_and_the_budget_holds(
    jane: dict[str, Any], now: datetime, data: st.DataObject, budget: int
) -> None:
    profile, contacts = data.draw(profiles(jane))
    for view in ("masked", "hidden"):
        context = build_context(profile_of(profile), [], now, contacts=view)
        assert _leaks(context, contacts) == []
        fitted = fit_json(context, budget)
        assert json_chars(fitted) <= budget
        assert _leaks(fitted, contacts) == []
        typed = profile_of(profile)
        text = build_context(typed, [], now, contacts=view, summary_chars=budget)["summary"]
        assert len(text) <= budget
        assert _leaks(text, contacts) == []
    full = build_context(profile_of(profile), [], now, contacts="full")
    assert full["who"]["emails"] == [
        i["value"] for i in profile["identity"]["identifiers"]["email"]
    ]


def test_hidden_contacts_show_no_part_of_the_value(jane: dict[str, Any], now: datetime) -> None:
    context = build_context(profile_of(jane), [], now, contacts="hidden")
    assert context["who"]["emails"] == [HIDDEN]
    assert context["who"]["phones"] == [HIDDEN]
    assert "x.com" not in json.dumps(context) and "678" not in json.dumps(context["who"])


def test_the_context_leads_with_what_limits_what_may_be_said(
    jane: dict[str, Any], now: datetime
) -> None:
    context = build_context(profile_of(jane), [], now)
    assert list(context)[:2] == ["contact_rules", "open_issues"]
    summary = context["summary"]
    first_other = summary.index("Upcoming:")
    assert summary.index("Do not send marketing by SMS") < first_other
    assert summary.index("Open warranty claim CL1") < first_other


def test_a_tight_budget_gives_up_the_least_important_first(
    jane: dict[str, Any], now: datetime
) -> None:
    context = build_context(profile_of(jane), [], now)
    assert fit_json(context, 100_000) == json.loads(json.dumps(context))
    fitted = fit_json(context, 900)
    assert json_chars(fitted) <= 900
    assert fitted["truncated"] is True
    assert fitted["contact_rules"] == context["contact_rules"]
    assert fitted["omitted"]["loyalty.active_vouchers"] == 2
    roomier = fit_json(context, 1500)
    assert [i["id"] for i in roomier["open_issues"]] == ["CL1", "V2"]
    assert roomier["summary"].startswith("Jane Doe")
    assert "Do not send marketing by SMS" in roomier["summary"]
    tiny = fit_json(context, MIN_CHARS)
    assert json_chars(tiny) <= MIN_CHARS


def test_a_budget_under_the_floor_is_refused(jane: dict[str, Any], now: datetime) -> None:
    with pytest.raises(ValueError, match="at least"):
        fit_json(build_context(profile_of(jane), [], now), MIN_CHARS - 1)


def test_contact_values_cover_the_forms_a_phone_is_written_in() -> None:
    forms = contact_values({"phone": ["+886912345678"], "email": ["a@b.co"]})
    assert set(forms) == {"+886912345678", "886912345678", "912345678", "0912345678", "a@b.co"}
