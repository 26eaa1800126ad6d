"""The named Cypher queries the Neo4j adapter runs; each is ``cypher/<name>.cypher``."""

from __future__ import annotations

from enum import StrEnum

SCHEMA = "schema"


class Query(StrEnum):
    """One query file per member; ``check_all(Query)`` loads every one at start-up."""

    # transaction handle: reads
    READ_IDENTIFIERS = "read_identifiers"
    LOCK_IDENTIFIERS = "lock_identifiers"
    READ_MEMBERS = "read_members"
    LOCK_MEMBERS = "lock_members"
    READ_CUSTOMERS = "read_customers"
    LOCK_CUSTOMERS = "lock_customers"
    READ_LIVE_CUSTOMER_IDS = "read_live_customer_ids"
    READ_ALIASES = "read_aliases"
    READ_ABSORBED_INTO = "read_absorbed_into"
    READ_LINKS = "read_links"
    READ_LINKS_TOUCHING = "read_links_touching"
    READ_LINKS_FROM = "read_links_from"
    READ_CONFLICTS = "read_conflicts"
    READ_OBSERVATION_HASHES = "read_observation_hashes"
    READ_OBSERVATIONS_OF = "read_observations_of"
    READ_HISTORY = "read_history"
    READ_EVENT_HASHES = "read_event_hashes"
    READ_AGGREGATES = "read_aggregates"
    READ_TIMELINE = "read_timeline"
    READ_CHANGES = "read_changes"
    READ_CHANGES_OF = "read_changes_of"
    READ_LAST_CHANGE = "read_last_change"
    # transaction handle: writes, in ChangeSet order
    REPOINT_MEMBERS = "repoint_members"
    CREATE_IDENTIFIERS = "create_identifiers"
    UPDATE_IDENTIFIERS = "update_identifiers"
    CREATE_LINKS = "create_links"
    UPDATE_LINKS = "update_links"
    UPSERT_CUSTOMERS = "upsert_customers"
    DELETE_ALIASES = "delete_aliases"
    DELETE_CUSTOMERS = "delete_customers"
    UPSERT_ALIASES = "upsert_aliases"
    REDIRECT_ALIASES = "redirect_aliases"
    CREATE_OBSERVATIONS = "create_observations"
    NEXT_SEQUENCE = "next_sequence"
    CREATE_AUDIT_ENTRIES = "create_audit_entries"
    CREATE_CHANGES = "create_changes"
    CREATE_EVENTS = "create_events"
    UPSERT_AGGREGATES = "upsert_aggregates"
    # transaction handle: segments (app/store/neo4j/segments.py)
    READ_SEGMENTS = "read_segments"
    READ_SEGMENT_MEMBERS = "read_segment_members"
    READ_CUSTOMER_MEMBERSHIPS = "read_customer_memberships"
    READ_MEMBERSHIP_HISTORY = "read_membership_history"
    READ_RECHECKS_DUE = "read_rechecks_due"
    UPSERT_SEGMENT = "upsert_segment"
    DELETE_SEGMENT = "delete_segment"
    DELETE_MEMBERSHIPS = "delete_memberships"
    UPSERT_MEMBERSHIPS = "upsert_memberships"
    CREATE_MEMBERSHIP_HISTORY = "create_membership_history"
    DELETE_RECHECKS = "delete_rechecks"
    UPSERT_RECHECKS = "upsert_rechecks"
    LOCK_CURSOR = "lock_cursor"
    UPSERT_CURSOR = "upsert_cursor"
    # store
    PING = "ping"
    READ_META = "read_meta"
    UPSERT_META = "upsert_meta"
    INIT_META = "init_meta"
    CREATE_API_KEY = "create_api_key"
    READ_API_KEY_BY_DIGEST = "read_api_key_by_digest"
    READ_API_KEYS = "read_api_keys"
    REVOKE_API_KEY = "revoke_api_key"
    SCAN_IDENTIFIER_KEYS = "scan_identifier_keys"
    SCAN_CUSTOMER_IDS = "scan_customer_ids"
    COUNT_GRAPH = "count_graph"


ALL_FILES: tuple[str, ...] = (SCHEMA, *(q.value for q in Query))
