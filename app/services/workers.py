"""The background workers that follow the change feed, as a serving worker or `c360 follow`
runs them: the segment follower, the webhook dispatcher and the retention sweeper."""

from __future__ import annotations

from app.engine import Engine
from app.services.background import Periodic
from app.services.retention import Retention, RetentionSweeper
from app.services.segment_engine import SegmentFollower
from app.services.webhooks import WebhookDispatcher, scaled
from app.settings import Settings
from resolvers.customer360.webhooks import RETRY_SCHEDULE


def feed_workers(engine: Engine, settings: Settings) -> list[Periodic]:
    """The feed's workers under these settings, not started."""
    return [
        SegmentFollower(engine),
        WebhookDispatcher(engine, schedule=scaled(RETRY_SCHEDULE, settings.webhook_retry_scale)),
        RetentionSweeper(engine, Retention.of(settings), settings.prune_interval_s),
    ]
