// Audit entries, and a reference from every customer each names.
UNWIND $rows AS row
CREATE (a:AuditEntry {seq: row.seq})
SET a += row.props
WITH row
UNWIND row.customer_ids AS id
CREATE (:AuditRef {customer_id: id, seq: row.seq})
