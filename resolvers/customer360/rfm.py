"""RFM: recency, frequency and monetary scores from 1 to 5, and the segment they make."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class RfmThresholds:
    """Fixed cut-offs, highest score first (5, 4, 3, 2; anything else scores 1)."""

    # Days since the last order: at most 30 scores 5, 90 scores 4, 180 scores 3, 365 scores 2.
    recency_days: tuple[int, int, int, int] = (30, 90, 180, 365)
    # Orders with revenue left after refunds: at least 10 scores 5, 5 scores 4, 3, 2.
    frequency: tuple[int, int, int, int] = (10, 5, 3, 2)
    # Net revenue in the account currency. Sized for a TWD account (about 30 TWD to the US
    # dollar): 50,000 scores 5, 20,000 scores 4, 8,000 scores 3, 2,000 scores 2. An account
    # in another currency should pass its own thresholds.
    monetary: tuple[float, float, float, float] = (50_000, 20_000, 8_000, 2_000)


RFM_THRESHOLDS = RfmThresholds()

# The segment of each (recency, frequency) cell; monetary only splits champions from loyal.
#   recency 4-5: frequency 1 new, 2-3 potential_loyalist, 4-5 champions (monetary 4-5) or loyal
#   recency 3:   frequency 1 hibernating, 2-3 potential_loyalist, 4-5 loyal
#   recency 2:   frequency 1 hibernating, 2-5 at_risk
#   recency 1:   frequency 1-2 lost, 3-5 at_risk
# A customer without any order is a "prospect" and has no scores.
SEGMENTS = ("champions", "loyal", "potential_loyalist", "new", "at_risk", "hibernating", "lost")


def score_at_most(value: float, cuts: tuple[float, ...]) -> int:
    """5 for the first cut-off the value is within, then 4, 3, 2; 1 beyond them all."""
    for index, cut in enumerate(cuts):
        if value <= cut:
            return 5 - index
    return 1


def score_at_least(value: float, cuts: tuple[float, ...]) -> int:
    """5 for the first cut-off the value reaches, then 4, 3, 2; 1 below them all."""
    for index, cut in enumerate(cuts):
        if value >= cut:
            return 5 - index
    return 1


def segment(r: int, f: int, m: int) -> str:
    """The segment of a customer's scores (see the table above)."""
    if r >= 4:
        if f == 1:
            return "new"
        if f <= 3:
            return "potential_loyalist"
        return "champions" if m >= 4 else "loyal"
    if r == 3:
        return "hibernating" if f == 1 else "potential_loyalist" if f <= 3 else "loyal"
    if r == 2:
        return "hibernating" if f == 1 else "at_risk"
    return "lost" if f <= 2 else "at_risk"


def rfm(
    last_order_at: datetime | None,
    frequency: int,
    monetary: float,
    now: datetime,
    thresholds: RfmThresholds = RFM_THRESHOLDS,
) -> dict[str, object]:
    """Recency in days, frequency, monetary, the three scores and the segment."""
    if last_order_at is None:
        return {
            "recency_days": None,
            "frequency": frequency,
            "monetary": round(monetary, 2),
            "scores": None,
            "segment": "prospect",
        }
    days = max(0, (now - last_order_at).days)
    r = score_at_most(days, thresholds.recency_days)
    f = score_at_least(frequency, thresholds.frequency)
    m = score_at_least(monetary, thresholds.monetary) if monetary > 0 else 1
    return {
        "recency_days": days,
        "frequency": frequency,
        "monetary": round(monetary, 2),
        "scores": {"r": r, "f": f, "m": m},
        "segment": segment(r, f, m),
    }
