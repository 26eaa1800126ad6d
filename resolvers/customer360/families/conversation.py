"""Conversations with the brand: opened and closed, with topic and sentiment.

Everything about the ``conversation.*`` events in one place: what their data must hold, what one
event adds to a customer's aggregate, and how the timeline says it.
"""

from __future__ import annotations

from typing import Any

from resolvers.customer360.event_fields import (
    Field,
    choice,
    ident,
    text,
)
from resolvers.customer360.event_values import (
    SUMMARY_CHARS,
    Data,
    Delta,
    registers,
    shorten,
    text_value,
)
from resolvers.customer360.families.family import Family
from resolvers.customer360.families.vocabulary import (
    CONVERSATION_CHANNELS,
    SENTIMENTS,
)
from resolvers.customer360.timeline_text import (
    channel_name,
    shortened,
)

CONVERSATION = (
    Field("conversation_id", ident, True),
    Field("channel", choice(CONVERSATION_CHANNELS), True),
    Field("topic", text(100)),
    Field("outcome", text(200)),
    Field("sentiment", choice(SENTIMENTS)),
    Field("summary", text(2000)),
    Field("agent", text(200)),
)

SCHEMAS: dict[str, tuple[Field, ...]] = {
    "conversation.opened": CONVERSATION,
    "conversation.closed": CONVERSATION,
}
TITLES = {
    "conversation.opened": "Conversation opened",
    "conversation.closed": "Conversation closed",
}


def fold(delta: Delta, verb: str, data: Data, at: str, eid: str, _source: str) -> None:
    conversation_id = text_value(data, "conversation_id")
    if conversation_id is None:
        return
    entry: dict[str, Any] = {"first_at": at, "last_at": at, "state": [at, eid, verb]}
    fields = ("channel", "topic", "sentiment", "outcome", "agent")
    entry.update(registers(data, at, eid, *fields))
    summary = text_value(data, "summary")
    if summary:
        entry["summary"] = [at, eid, shorten(summary, SUMMARY_CHARS)]
    delta["conversations"] = {conversation_id: entry}


def sentence(event_type: str, verb: str, data: Data, _currency: str) -> str:
    line = f"Conversation on {channel_name(data.get('channel'))}"
    if data.get("topic"):
        line += f" about {data['topic']}"
    if data.get("sentiment"):
        line += f" ({data['sentiment']})"
    if verb == "closed":
        line += " closed" + (f" ({data['outcome']})" if data.get("outcome") else "")
    summary = data.get("summary")
    return f"{line}: {shortened(summary, 200)}" if summary else line


FAMILY = Family(
    prefix="conversation",
    family="conversation",
    schemas=SCHEMAS,
    titles=TITLES,
    fold=fold,
    sentence=sentence,
)
