// Audit entries naming any of the customers, newest first, before a sequence number.
UNWIND $ids AS id
MATCH (r:AuditRef {customer_id: id})
WHERE r.seq < $before
WITH DISTINCT r.seq AS seq
ORDER BY seq DESC
LIMIT $limit
MATCH (a:AuditEntry {seq: seq})
RETURN a {.seq, .at, .actor, .action, .reason, .customer_ids, .before, .after} AS entry
