"""What a family of timeline events is made of: its schemas, its fold into the aggregate, its
sentences. Adding an event family is adding one module that defines a ``Family``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from resolvers.customer360.event_fields import Field

Data = Mapping[str, Any]
Delta = dict[str, Any]
Builder = Callable[[Delta, str, Data, str, str, str], None]
Sentence = Callable[[str, str, Data, str], str]


@dataclass(frozen=True, slots=True)
class Family:
    """The events whose type starts with ``prefix.``."""

    prefix: str  # the type's first word: "order" for order.placed
    family: str  # the group the timeline and the profile show it under: "sales"
    schemas: Mapping[str, tuple[Field, ...]]  # what each type's data must hold
    titles: Mapping[str, str]  # each type's timeline title
    fold: Builder  # what one event adds to the aggregate: (delta, verb, data, at, id, source)
    sentence: Sentence  # the timeline's sentence: (type, verb, data, account currency)
