// Memberships by key; `since` is kept from the entry, `why` follows the latest evaluation.
UNWIND $rows AS row
MERGE (m:Membership {key: row.key})
ON CREATE SET m.segment_id = row.segment_id, m.customer_id = row.customer_id,
              m.since = row.since
SET m.why = row.why
