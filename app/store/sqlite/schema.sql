-- Contact 360 SQLite schema. Applied idempotently at start-up; `meta.schema_version` says
-- which version a database holds.

CREATE TABLE IF NOT EXISTS meta (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- Identifier nodes. customer_id is NULL for values that never link (placeholder, generic,
-- blocked). neighbours: distinct strong identifiers seen with it, by kind; traits: birth
-- dates, genders and given names the records carrying it stated (shareable kinds only).
CREATE TABLE IF NOT EXISTS identifiers (
  id            INTEGER PRIMARY KEY,
  key           TEXT NOT NULL UNIQUE,
  kind          TEXT NOT NULL,
  customer_id   TEXT,
  status        TEXT NOT NULL,
  status_reason TEXT,
  first_seen_at TEXT NOT NULL,
  last_seen_at  TEXT NOT NULL,
  neighbours    TEXT NOT NULL,
  traits        TEXT NOT NULL,
  variant       TEXT NOT NULL,
  role          TEXT NOT NULL,
  per_person    INTEGER NOT NULL,
  persons       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS identifiers_customer ON identifiers (customer_id)
  WHERE customer_id IS NOT NULL;

-- Links: a and b are identifier ids, a holding the smaller key. conflict = 1 for links
-- rejected by a limit or an attach rule (the stewards' review queue).
CREATE TABLE IF NOT EXISTS links (
  a             INTEGER NOT NULL,
  b             INTEGER NOT NULL,
  state         TEXT NOT NULL,
  reason        TEXT,
  conflict      INTEGER NOT NULL DEFAULT 0,
  count         INTEGER NOT NULL,
  first_seen_at TEXT NOT NULL,
  last_seen_at  TEXT NOT NULL,
  sources       TEXT NOT NULL,
  observations  TEXT NOT NULL,
  decided_by    TEXT,
  decided_at    TEXT,
  PRIMARY KEY (a, b)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS links_b ON links (b);
CREATE INDEX IF NOT EXISTS links_conflicts ON links (conflict) WHERE conflict = 1;

-- The stewards' review queue in key order: the key pair of every link with conflict = 1, kept
-- by the triggers below whatever writes the links, so that a page of the queue is a range of
-- this index. Sorting the conflicting links by their keys for every page cost seconds once
-- a store held hundreds of thousands of them. Identifier keys never change and identifiers
-- are never deleted. A store from before the queue is filled when it is opened (store.py).
CREATE TABLE IF NOT EXISTS review_queue (
  a_key TEXT NOT NULL,
  b_key TEXT NOT NULL,
  PRIMARY KEY (a_key, b_key)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS review_queue_insert AFTER INSERT ON links WHEN new.conflict = 1
BEGIN
  INSERT OR IGNORE INTO review_queue (a_key, b_key) VALUES (
    (SELECT key FROM identifiers WHERE id = new.a), (SELECT key FROM identifiers WHERE id = new.b)
  );
END;
CREATE TRIGGER IF NOT EXISTS review_queue_update AFTER UPDATE OF conflict ON links
WHEN old.conflict <> new.conflict
BEGIN
  DELETE FROM review_queue WHERE new.conflict = 0
    AND a_key = (SELECT key FROM identifiers WHERE id = old.a)
    AND b_key = (SELECT key FROM identifiers WHERE id = old.b);
  INSERT OR IGNORE INTO review_queue (a_key, b_key)
    SELECT (SELECT key FROM identifiers WHERE id = new.a),
           (SELECT key FROM identifiers WHERE id = new.b)
    WHERE new.conflict = 1;
END;
CREATE TRIGGER IF NOT EXISTS review_queue_delete AFTER DELETE ON links WHEN old.conflict = 1
BEGIN
  DELETE FROM review_queue
    WHERE a_key = (SELECT key FROM identifiers WHERE id = old.a)
      AND b_key = (SELECT key FROM identifiers WHERE id = old.b);
END;

CREATE TABLE IF NOT EXISTS customers (
  id                   TEXT PRIMARY KEY,
  anchor_key           TEXT NOT NULL,
  anchor_first_seen_at TEXT NOT NULL,
  size                 INTEGER NOT NULL,
  kind_counts          TEXT NOT NULL,
  allowance            TEXT NOT NULL,
  conflicts            INTEGER NOT NULL,
  linking              INTEGER NOT NULL,
  traits               TEXT NOT NULL,
  created_at           TEXT NOT NULL,
  updated_at           TEXT NOT NULL
) WITHOUT ROWID;

-- Ids that were absorbed by a merge (customer_id: the survivor) or dissolved (NULL).
CREATE TABLE IF NOT EXISTS customer_aliases (
  old_id      TEXT PRIMARY KEY,
  customer_id TEXT,
  at          TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS customer_aliases_target ON customer_aliases (customer_id);

CREATE TABLE IF NOT EXISTS observations (
  seq         INTEGER PRIMARY KEY,
  id          TEXT NOT NULL UNIQUE,
  source      TEXT NOT NULL,
  observed_at TEXT NOT NULL,
  received_at TEXT NOT NULL,
  body_hash   TEXT NOT NULL,
  identifiers TEXT NOT NULL,
  attributes  TEXT NOT NULL,
  ignored     TEXT
);

CREATE TABLE IF NOT EXISTS observation_identifiers (
  identifier  INTEGER NOT NULL,
  observation INTEGER NOT NULL,
  PRIMARY KEY (identifier, observation)
) WITHOUT ROWID;

-- Blocking keys of observations' person evidence (names, birth date, postcode): records
-- that may describe one person are found by key, never by a scan.
CREATE TABLE IF NOT EXISTS person_blocks (
  block       TEXT NOT NULL,
  observation TEXT NOT NULL,
  PRIMARY KEY (block, observation)
) WITHOUT ROWID;

-- Each filed observation's person evidence as parsed (resolvers/identity/person/filing.py):
-- a record met as a candidate is read from here, not decoded and parsed again.
CREATE TABLE IF NOT EXISTS person_evidence (
  observation TEXT PRIMARY KEY,
  evidence    TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS audit (
  seq          INTEGER PRIMARY KEY,
  at           TEXT NOT NULL,
  actor        TEXT NOT NULL,
  action       TEXT NOT NULL,
  reason       TEXT NOT NULL,
  customer_ids TEXT NOT NULL,
  before       TEXT NOT NULL,
  after        TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_customers (
  customer_id TEXT NOT NULL,
  audit       INTEGER NOT NULL,
  PRIMARY KEY (customer_id, audit)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS events (
  seq         INTEGER PRIMARY KEY,
  id          TEXT NOT NULL UNIQUE,
  type        TEXT NOT NULL,
  occurred_at TEXT NOT NULL,
  received_at TEXT NOT NULL,
  source      TEXT NOT NULL,
  anchor      INTEGER NOT NULL,
  identifiers TEXT NOT NULL,
  data        TEXT NOT NULL,
  body_hash   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_anchor_time ON events (anchor, occurred_at DESC, id DESC);

CREATE TABLE IF NOT EXISTS aggregates (
  identifier INTEGER PRIMARY KEY,
  data       TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS api_keys (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  prefix     TEXT NOT NULL,
  digest     TEXT NOT NULL UNIQUE,
  scopes     TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
) WITHOUT ROWID;

-- The change feed (transactional outbox): what changed for which customers, in commit order.
CREATE TABLE IF NOT EXISTS changes (
  seq          INTEGER PRIMARY KEY,
  at           TEXT NOT NULL,
  type         TEXT NOT NULL,
  topic        TEXT NOT NULL,
  customer_ids TEXT NOT NULL,
  data         TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS change_customers (
  customer_id TEXT NOT NULL,
  change      INTEGER NOT NULL,
  PRIMARY KEY (customer_id, change)
) WITHOUT ROWID;
-- Stewards' answers to review items (link / never / skip): labelled pairs of identifier
-- keys, kept for training and for measuring a candidate policy against.
CREATE TABLE IF NOT EXISTS review_labels (
  seq      INTEGER PRIMARY KEY,
  a        TEXT NOT NULL,
  b        TEXT NOT NULL,
  decision TEXT NOT NULL,
  reason   TEXT NOT NULL,
  actor    TEXT NOT NULL,
  at       TEXT NOT NULL
);

-- Segments: definitions, materialised memberships, their history, time-based re-checks.
CREATE TABLE IF NOT EXISTS segments (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  description TEXT NOT NULL,
  condition   TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS segment_members (
  segment_id  TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  since       TEXT NOT NULL,
  why         TEXT NOT NULL,
  PRIMARY KEY (segment_id, customer_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS segment_members_customer ON segment_members (customer_id);
CREATE TABLE IF NOT EXISTS segment_history (
  seq         INTEGER PRIMARY KEY,
  segment_id  TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  at          TEXT NOT NULL,
  entered     INTEGER NOT NULL,
  cause       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS segment_history_customer ON segment_history (customer_id, seq);
CREATE TABLE IF NOT EXISTS segment_rechecks (
  segment_id  TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  due_at      TEXT NOT NULL,
  PRIMARY KEY (segment_id, customer_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS segment_rechecks_due ON segment_rechecks (due_at);
CREATE TABLE IF NOT EXISTS cursors (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;

-- Webhooks: endpoints, and one delivery per (change, endpoint), its id the webhook-id.
CREATE TABLE IF NOT EXISTS webhook_endpoints (
  id              TEXT PRIMARY KEY,
  url             TEXT NOT NULL,
  secret          TEXT NOT NULL,
  types           TEXT NOT NULL,
  segments        TEXT NOT NULL,
  marketing       INTEGER NOT NULL,
  active          INTEGER NOT NULL,
  disabled_reason TEXT NOT NULL,
  created_at      TEXT NOT NULL,
  after_seq       INTEGER  -- the feed's last seq at creation; NULL: stored before it was kept
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  id           TEXT PRIMARY KEY,
  endpoint_id  TEXT NOT NULL,
  seq          INTEGER NOT NULL,
  customer_id  TEXT NOT NULL,
  type         TEXT NOT NULL,
  body         TEXT NOT NULL,
  state        TEXT NOT NULL,
  attempts     INTEGER NOT NULL,
  next_at      TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  last_status  INTEGER,
  last_error   TEXT NOT NULL,
  delivered_at TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS webhook_deliveries_pending ON webhook_deliveries (state, seq, endpoint_id);
CREATE INDEX IF NOT EXISTS webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, seq);
-- settled deliveries are pruned by age (C360_DELIVERY_RETENTION_DAYS)
CREATE INDEX IF NOT EXISTS webhook_deliveries_created ON webhook_deliveries (created_at);
