"""Bookings: booked, rescheduled, cancelled, attended, missed.

Everything about the ``booking.*`` events in one place: what their data must hold, what one
event adds to a customer's aggregate, and how the timeline says it.
"""

from __future__ import annotations

from typing import Any

from resolvers.customer360.event_fields import (
    Field,
    ident,
    moment,
    text,
)
from resolvers.customer360.event_values import (
    Data,
    Delta,
    registers,
    text_value,
)
from resolvers.customer360.families.family import Family
from resolvers.customer360.timeline_text import (
    when,
)


def _booking(scheduled_required: bool) -> tuple[Field, ...]:
    return (
        Field("booking_id", ident, True),
        Field("service", text(200)),
        Field("scheduled_at", moment, scheduled_required),
        Field("location", text(200)),
        Field("staff", text(200)),
    )


SCHEMAS: dict[str, tuple[Field, ...]] = {
    "booking.booked": _booking(True),
    "booking.rescheduled": _booking(True),
    "booking.cancelled": _booking(False),
    "booking.attended": _booking(False),
    "booking.no_show": _booking(False),
}
TITLES = {
    "booking.booked": "Booking made",
    "booking.rescheduled": "Booking rescheduled",
    "booking.cancelled": "Booking cancelled",
    "booking.attended": "Booking attended",
    "booking.no_show": "Booking missed",
}


def fold(delta: Delta, verb: str, data: Data, at: str, eid: str, _source: str) -> None:
    booking_id = text_value(data, "booking_id")
    if booking_id:
        entry: dict[str, Any] = {"last_at": at, "state": [at, eid, verb]}
        entry.update(registers(data, at, eid, "scheduled_at", "service", "location", "staff"))
        delta["bookings"] = {booking_id: entry}


def sentence(event_type: str, verb: str, data: Data, _currency: str) -> str:
    line = f"Booking {data.get('booking_id')}"
    if data.get("service"):
        line += f" for {data['service']}"
    if data.get("scheduled_at"):
        line += f" on {when(data['scheduled_at'])}"
    return f"{line} {'missed (no-show)' if verb == 'no_show' else verb}"


FAMILY = Family(
    prefix="booking",
    family="booking",
    schemas=SCHEMAS,
    titles=TITLES,
    fold=fold,
    sentence=sentence,
)
