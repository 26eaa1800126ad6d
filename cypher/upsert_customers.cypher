// New and changed customers; created_at is kept from the first write.
UNWIND $rows AS row
MERGE (c:Customer {id: row.id})
ON CREATE SET c.created_at = row.created_at
SET c += row.props
