"""Timeline items: each event as a short, self-explaining English line and its details."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resolvers.customer360.event_schemas import family_of
from resolvers.customer360.events import Event
from resolvers.customer360.families import SENTENCES, TITLES
from resolvers.customer360.read_model import TimelineItem
from resolvers.customer360.timeline_text import channel_name, format_money

__all__ = ["channel_name", "describe", "format_money"]

Data = Mapping[str, Any]


def describe(event: Event, account_currency: str) -> TimelineItem:
    """A timeline item readable on its own: what happened, in a title and a sentence."""
    data = event.data
    prefix, _, verb = event.type.partition(".")
    sentence = SENTENCES.get(prefix, _custom)(event.type, verb, data, account_currency)
    return TimelineItem(
        id=event.id,
        type=event.type,
        family=family_of(event.type),
        occurred_at=event.occurred_at,
        source=event.source,
        anchor=event.anchor,
        title=TITLES.get(event.type) or _title(event.type),
        summary=sentence,
        details=dict(data),
    )


def _title(event_type: str) -> str:
    """``custom.survey.completed`` -> ``Survey completed``."""
    name = event_type.removeprefix("custom.").replace(".", " ").replace("_", " ")
    return name[:1].upper() + name[1:]


def _custom(event_type: str, verb: str, data: Data, _currency: str) -> str:
    return f"Custom event {event_type}"
