"""Words several event families share: channels, purposes, sentiments, money and products."""

from __future__ import annotations

from resolvers.customer360.event_fields import (
    Field,
    amount,
    currency,
    ident,
    text,
)

MARKETING_CHANNELS = ("email", "sms", "line", "whatsapp", "messenger", "push", "web")
CONSENT_CHANNELS = ("email", "sms", "line", "whatsapp", "messenger", "push", "phone", "post", "any")
# Support happens on more channels than marketing does; "other" keeps a new one from bouncing.
CONVERSATION_CHANNELS = (
    "email", "sms", "line", "whatsapp", "messenger", "wechat", "instagram",
    "phone", "web", "chat", "store", "other",
)  # fmt: skip
PURPOSES = ("marketing", "service", "profiling", "third_party", "any")
SENTIMENTS = ("positive", "neutral", "negative", "mixed")
MONEY = (Field("total", amount), Field("currency", currency))
PRODUCT = (Field("sku", ident, True), Field("name", text(300)), Field("category", text(100)))
