// Changes of the feed, and a reference from every customer each names.
UNWIND $rows AS row
CREATE (c:Change {seq: row.seq})
SET c += row.props
WITH row
UNWIND row.customer_ids AS id
CREATE (:ChangeRef {customer_id: id, seq: row.seq})
