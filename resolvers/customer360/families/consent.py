"""Consent: granted and revoked, per channel and purpose.

Everything about the ``consent.*`` events in one place: what their data must hold, what one
event adds to a customer's aggregate, and how the timeline says it.
"""

from __future__ import annotations

from resolvers.customer360.event_fields import (
    Field,
    choice,
)
from resolvers.customer360.event_values import (
    Data,
    Delta,
    text_value,
)
from resolvers.customer360.families.family import Family
from resolvers.customer360.families.vocabulary import (
    CONSENT_CHANNELS,
    PURPOSES,
)
from resolvers.customer360.timeline_text import (
    channel_name,
)

CONSENT = (
    Field("channel", choice(CONSENT_CHANNELS), True),
    Field("purpose", choice(PURPOSES), True),
)

SCHEMAS: dict[str, tuple[Field, ...]] = {
    "consent.granted": CONSENT,
    "consent.revoked": CONSENT,
}
TITLES = {
    "consent.granted": "Consent granted",
    "consent.revoked": "Consent revoked",
}


def fold(delta: Delta, verb: str, data: Data, at: str, eid: str, source: str) -> None:
    channel, purpose = text_value(data, "channel"), text_value(data, "purpose")
    if channel and purpose:
        delta["consents"] = {f"{channel}:{purpose}": [at, eid, {"state": verb, "source": source}]}


def sentence(event_type: str, verb: str, data: Data, _currency: str) -> str:
    purpose = str(data.get("purpose", "")).replace("_", " ")
    purpose = "every purpose" if purpose == "any" else purpose
    return f"Consent {verb} for {purpose} by {channel_name(data.get('channel'))}"


FAMILY = Family(
    prefix="consent",
    family="consent",
    schemas=SCHEMAS,
    titles=TITLES,
    fold=fold,
    sentence=sentence,
)
