"""Marketing: campaigns sent, opened, clicked, converted, bounced, unsubscribed.

Everything about the ``marketing.*`` events in one place: what their data must hold, what one
event adds to a customer's aggregate, and how the timeline says it.
"""

from __future__ import annotations

from resolvers.customer360.event_fields import (
    Field,
    amount,
    choice,
    currency,
    ident,
    text,
)
from resolvers.customer360.event_values import (
    Data,
    Delta,
    cents,
    text_value,
)
from resolvers.customer360.families.family import Family
from resolvers.customer360.families.vocabulary import (
    MARKETING_CHANNELS,
)
from resolvers.customer360.timeline_text import (
    channel_name,
    money_of,
)

CAMPAIGN = (
    Field("campaign_id", ident, True),
    Field("campaign", text(300)),
    Field("channel", choice(MARKETING_CHANNELS), True),
)

SCHEMAS: dict[str, tuple[Field, ...]] = {
    "marketing.sent": CAMPAIGN,
    "marketing.opened": CAMPAIGN,
    "marketing.clicked": (*CAMPAIGN, Field("url", text(2048))),
    "marketing.converted": (*CAMPAIGN, Field("value", amount), Field("currency", currency)),
    "marketing.bounced": CAMPAIGN,
    "marketing.unsubscribed": CAMPAIGN,
}
TITLES = {
    "marketing.sent": "Campaign sent",
    "marketing.opened": "Campaign opened",
    "marketing.clicked": "Campaign clicked",
    "marketing.converted": "Campaign converted",
    "marketing.bounced": "Campaign bounced",
    "marketing.unsubscribed": "Unsubscribed",
}


def fold(delta: Delta, verb: str, data: Data, at: str, eid: str, source: str) -> None:
    channel = text_value(data, "channel")
    if channel and verb in ("opened", "clicked"):
        delta["engaged"] = {channel: 1}
    if verb in ("opened", "clicked", "converted"):
        delta["engaged_at"] = at
    value = cents(data.get("value_account"))
    if verb == "converted" and value:
        delta["conversion_value"] = value
    if channel and verb == "unsubscribed":
        delta["unsubscribed"] = {channel: [at, eid, source]}


def sentence(event_type: str, verb: str, data: Data, currency: str) -> str:
    campaign = data.get("campaign") or data.get("campaign_id")
    by = channel_name(data.get("channel"))
    if verb == "unsubscribed":
        return f"Unsubscribed from marketing by {by} (campaign {campaign})"
    line = f"Campaign {campaign} {verb} by {by}"
    if verb == "clicked" and data.get("url"):
        line += f": {data['url']}"
    if verb == "converted" and data.get("value") is not None:
        line += f": {money_of(data, currency, 'value')}"
    return line


FAMILY = Family(
    prefix="marketing",
    family="marketing",
    schemas=SCHEMAS,
    titles=TITLES,
    fold=fold,
    sentence=sentence,
)
