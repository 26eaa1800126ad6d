// Contact 360 graph schema for Neo4j 5 (and Bolt-compatible servers), applied by
// `c360 migrate` and at start-up; every statement is idempotent (IF NOT EXISTS).
//
// The graph model
// ---------------
// (:Identifier {key, kind, status, status_reason, customer_id, first_seen_at, last_seen_at,
//               neighbours, traits, variant, role, per_person, persons, lock_version})
//     One node per normalised value, `key` = "kind:value". `customer_id` is the
//     materialised membership (absent for values that never link). Membership is a property,
//     not a relationship to the customer: a relationship per member would make a big
//     customer's node a write hot spot (every join rewrites its edge list, and ArcadeDB
//     aborts concurrent edge-list changes of one vertex), and a re-point would be a delete
//     plus a create per member instead of one SET.
// (:Identifier)-[:LINK {state, reason, conflict, count, first_seen_at, last_seen_at,
//                       sources, observations, decided_by, decided_at}]->(:Identifier)
//     One relationship per pair, directed from the smaller key to the larger. `conflict`
//     is true for links rejected by a limit or an attach rule (the stewards' review queue).
// (:Customer {id, anchor_key, anchor_first_seen_at, size, kind_counts, allowance,
//             conflicts, linking, traits, created_at, updated_at, lock_version})
// (:Alias {old_id, customer_id, at})      an absorbed id and its survivor (absent: dissolved)
// (:Observation {id, source, observed_at, received_at, body_hash, identifiers, attributes,
//                ignored, person_evidence})-[:CARRIES]->(:Identifier)
//     `person_evidence`: the record's parsed person evidence as kept text
//     (resolvers/identity/person/filing.py), absent until the record is filed.
//     A relationship per identifier carried: Neo4j indexes do not look inside list
//     properties, and the identifier's node is locked by the unit of work anyway.
// (:Event {id, type, occurred_at, received_at, source, anchor, identifiers, data, body_hash})
//     `anchor` is the key of the identifier the event is attached to (indexed), so an event
//     follows that identifier through merges and splits with nothing to re-point, and
//     appending events never rewrites an identifier's edge list.
// (:Aggregate {key, data})                the per-identifier EventAggregate, as JSON
// (:AuditEntry {seq, at, actor, action, reason, customer_ids, before, after})
// (:AuditRef {customer_id, seq})          one per customer an entry names, for history()
//     (a customer node is deleted when absorbed; its history must outlive it).
// (:Change {seq, at, type, topic, customer_ids, data})   the change feed (outbox), in commit order
// (:ChangeRef {customer_id, seq})         one per customer a change names, for a customer's stream
// (:ReviewLabel {seq, a, b, decision, reason, actor, at})  a steward's answer to a review item
// (:Counter {name, value})                `audit`, `changes` and `review` number their entries in
//     the transaction; taking a number locks the counter, so numbers follow commit order
// (:ApiKey {id, name, prefix, digest, scopes, created_at, revoked_at})
// (:Meta {name, value})
//
// Maps and lists are JSON strings; times are fixed-width UTC ISO-8601 strings (text order is
// time order, and no server-side time zone handling is involved). `lock_version` is bumped
// by a write transaction when it reads a node it may write: see docs/operations.md.

CREATE CONSTRAINT identifier_key IF NOT EXISTS
FOR (i:Identifier) REQUIRE i.key IS UNIQUE;

CREATE CONSTRAINT customer_id IF NOT EXISTS
FOR (c:Customer) REQUIRE c.id IS UNIQUE;

CREATE CONSTRAINT alias_old_id IF NOT EXISTS
FOR (a:Alias) REQUIRE a.old_id IS UNIQUE;

CREATE CONSTRAINT observation_id IF NOT EXISTS
FOR (o:Observation) REQUIRE o.id IS UNIQUE;

CREATE CONSTRAINT event_id IF NOT EXISTS
FOR (e:Event) REQUIRE e.id IS UNIQUE;

CREATE CONSTRAINT aggregate_key IF NOT EXISTS
FOR (g:Aggregate) REQUIRE g.key IS UNIQUE;

CREATE CONSTRAINT audit_seq IF NOT EXISTS
FOR (a:AuditEntry) REQUIRE a.seq IS UNIQUE;

CREATE CONSTRAINT change_seq IF NOT EXISTS
FOR (c:Change) REQUIRE c.seq IS UNIQUE;
CREATE CONSTRAINT review_label_seq IF NOT EXISTS
FOR (r:ReviewLabel) REQUIRE r.seq IS UNIQUE;

CREATE CONSTRAINT counter_name IF NOT EXISTS
FOR (c:Counter) REQUIRE c.name IS UNIQUE;

CREATE CONSTRAINT api_key_id IF NOT EXISTS
FOR (k:ApiKey) REQUIRE k.id IS UNIQUE;

CREATE CONSTRAINT api_key_digest IF NOT EXISTS
FOR (k:ApiKey) REQUIRE k.digest IS UNIQUE;

CREATE CONSTRAINT meta_name IF NOT EXISTS
FOR (m:Meta) REQUIRE m.name IS UNIQUE;

CREATE INDEX identifier_customer IF NOT EXISTS
FOR (i:Identifier) ON (i.customer_id);

CREATE INDEX alias_customer IF NOT EXISTS
FOR (a:Alias) ON (a.customer_id);

CREATE INDEX event_anchor IF NOT EXISTS
FOR (e:Event) ON (e.anchor);

CREATE INDEX audit_ref_customer IF NOT EXISTS
FOR (r:AuditRef) ON (r.customer_id);

CREATE INDEX link_conflict IF NOT EXISTS
FOR ()-[l:LINK]-() ON (l.conflict);

CREATE INDEX change_ref_customer IF NOT EXISTS
FOR (r:ChangeRef) ON (r.customer_id);

CREATE INDEX change_ref_seq IF NOT EXISTS
FOR (r:ChangeRef) ON (r.seq);
CREATE CONSTRAINT person_block_key IF NOT EXISTS
FOR (b:PersonBlock) REQUIRE b.key IS UNIQUE;

// Segments (see app/store/segments.py):
// (:Segment {id, name, description, condition, created_at, updated_at})
// (:Membership {key: "segment|customer", segment_id, customer_id, since, why})
// (:MembershipChange {seq, segment_id, customer_id, at, entered, cause})
// (:Recheck {key: "segment|customer", segment_id, customer_id, due_at})
// (:Cursor {name, value})                a feed follower's position

CREATE CONSTRAINT segment_id IF NOT EXISTS
FOR (s:Segment) REQUIRE s.id IS UNIQUE;

CREATE CONSTRAINT membership_key IF NOT EXISTS
FOR (m:Membership) REQUIRE m.key IS UNIQUE;

CREATE INDEX membership_segment IF NOT EXISTS
FOR (m:Membership) ON (m.segment_id);

CREATE INDEX membership_customer IF NOT EXISTS
FOR (m:Membership) ON (m.customer_id);

CREATE INDEX membership_change_customer IF NOT EXISTS
FOR (h:MembershipChange) ON (h.customer_id);

CREATE INDEX membership_change_at IF NOT EXISTS
FOR (h:MembershipChange) ON (h.at);

CREATE CONSTRAINT recheck_key IF NOT EXISTS
FOR (r:Recheck) REQUIRE r.key IS UNIQUE;

CREATE INDEX recheck_segment IF NOT EXISTS
FOR (r:Recheck) ON (r.segment_id);

CREATE INDEX recheck_due IF NOT EXISTS
FOR (r:Recheck) ON (r.due_at);

CREATE CONSTRAINT cursor_name IF NOT EXISTS
FOR (c:Cursor) REQUIRE c.name IS UNIQUE;

// Webhooks (see app/store/webhooks.py):
// (:WebhookEndpoint {id, url, secret, types, segments, marketing, active, disabled_reason,
//                    created_at})
// (:Delivery {id, endpoint_id, seq, customer_id, type, body, state, attempts, next_at,
//             created_at, last_status, last_error, delivered_at})   id = the webhook-id

CREATE CONSTRAINT webhook_endpoint_id IF NOT EXISTS
FOR (w:WebhookEndpoint) REQUIRE w.id IS UNIQUE;

CREATE CONSTRAINT delivery_id IF NOT EXISTS
FOR (d:Delivery) REQUIRE d.id IS UNIQUE;

CREATE INDEX delivery_state IF NOT EXISTS
FOR (d:Delivery) ON (d.state);

CREATE INDEX delivery_endpoint IF NOT EXISTS
FOR (d:Delivery) ON (d.endpoint_id);

CREATE INDEX delivery_created IF NOT EXISTS
FOR (d:Delivery) ON (d.created_at);
