// Entries into and exits from segments, numbered in this transaction.
UNWIND $rows AS row
CREATE (h:MembershipChange {seq: row.seq})
SET h.segment_id = row.segment_id, h.customer_id = row.customer_id, h.at = row.at,
    h.entered = row.entered, h.cause = row.cause
