"""Typed settings from the environment (prefix ``C360_``); read once, by the composition root."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_STORE_URL = "sqlite:///./.c360/c360.db"
NEO4J_SCHEMES = frozenset({"neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc"})
WEAK_PASSWORDS = frozenset({"neo4j", "password", "changeme", "secret", "test"})


class Settings(BaseSettings):
    """Everything the service reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="C360_", extra="ignore")

    environment: Literal["development", "production"] = "development"
    store_url: str = DEFAULT_STORE_URL
    default_region: str | None = Field(default=None, description="ISO country for national phones")
    policy_file: Path | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr | None = None
    neo4j_database: str = "neo4j"
    neo4j_retry_s: float = Field(
        default=5.0,
        ge=0,
        description="how long a Neo4j transaction that failed for a transient reason is "
        "retried before the API answers 503",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8360, ge=1, le=65535)
    max_request_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    sqlite_synchronous: Literal["full", "normal"] = Field(
        default="full",
        description="full: an acknowledged write survives a power loss or OS crash; normal: "
        "faster commits that a power loss may drop (a killed process loses nothing either way)",
    )
    sqlite_cache_entries: int = Field(
        default=100_000,
        ge=0,
        description="identifiers, customers and links (each) a worker keeps in memory between "
        "write transactions; 0 keeps none",
    )
    body_timeout_s: float = Field(
        default=30.0,
        gt=0,
        description="a request body that stops arriving for this long is refused with 408",
    )
    account_currency: str = "TWD"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    startup_timeout_s: float = Field(default=60.0, gt=0)
    # Live streams (GET /v1/customers/{id}/stream) and the MCP server for AI agents.
    stream_max_open: int = Field(
        default=200, ge=1, description="open live streams a worker process serves; 503 past it"
    )
    stream_poll_s: float = Field(
        default=0.25, gt=0, le=10, description="how often a live stream reads the change feed"
    )
    stream_ping_s: float = Field(
        default=15.0, gt=0, description="seconds between heartbeats on an idle live stream"
    )
    mcp_steward_tools: bool = Field(
        default=False,
        description="expose steward actions (suppress a link, detach or block an identifier, "
        "merge customers) as MCP tools; they still need a key with the steward scope",
    )
    mcp_contacts: Literal["masked", "hidden", "full"] = Field(
        default="masked", description="how AI agents see e-mails and phones"
    )
    webhook_retry_scale: float = Field(
        default=1.0, gt=0, le=10, description="multiplies the webhook retry schedule (tests, demos)"
    )
    # Retention (app/services/retention.py): how long history is kept; 0 keeps it forever
    feed_retention_days: int = Field(
        default=30,
        ge=0,
        description="days the change feed is kept (once the segment follower and the webhook "
        "dispatcher have read it); a live stream resuming from before answers `reset`",
    )
    delivery_retention_days: int = Field(
        default=30, ge=0, description="days delivered or dead-lettered webhook deliveries are kept"
    )
    history_retention_days: int = Field(
        default=0, ge=0, description="days segment entries and exits are kept"
    )
    prune_interval_s: float = Field(
        default=3600.0, gt=0, description="how often a serving worker prunes old history"
    )
    followers: bool | None = Field(
        default=None,
        description="run the segment follower and webhook dispatcher in each API worker; "
        "unset: when serving (not around an engine a test gives); false: run `c360 follow`",
    )

    @field_validator("default_region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if len(value) != 2 or not value.isalpha():
            raise ValueError("an ISO 3166 two-letter country code, such as TW")
        return value.upper()

    @field_validator("account_currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if len(value) != 3 or not value.isalpha():
            raise ValueError("an ISO 4217 three-letter currency code, such as TWD")
        return value.upper()

    @model_validator(mode="after")
    def _production_secrets(self) -> Settings:
        if self.environment != "production" or not self.store_url.startswith(("neo4j", "bolt")):
            return self
        password = self.neo4j_password.get_secret_value() if self.neo4j_password else ""
        if not password or password.lower() in WEAK_PASSWORDS:
            raise ValueError(
                "C360_NEO4J_PASSWORD is missing or a well-known default; "
                "production refuses to start with it"
            )
        return self

    @field_validator("store_url")
    @classmethod
    def _store_url(cls, value: str) -> str:
        store_kind_of(value)
        return value

    @property
    def store_kind(self) -> Literal["sqlite", "neo4j"]:
        """Which adapter the store URL selects."""
        return store_kind_of(self.store_url)


def store_kind_of(url: str) -> Literal["sqlite", "neo4j"]:
    """Which adapter a store URL selects; ValueError when none does."""
    scheme = url.split(":", 1)[0].lower()
    if scheme == "sqlite":
        if not url.startswith("sqlite:///") or url == "sqlite:///":
            raise ValueError("a SQLite store URL is written sqlite:///path/to/c360.db")
        return "sqlite"
    if scheme in NEO4J_SCHEMES:
        return "neo4j"
    raise ValueError(
        f"scheme {scheme!r} is not supported: use sqlite:///path/to/c360.db, "
        "neo4j://host:7687 or bolt://host:7687"
    )
