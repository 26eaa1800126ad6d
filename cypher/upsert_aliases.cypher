// Absorbed ids and their survivor (null: dissolved).
UNWIND $rows AS row
MERGE (a:Alias {old_id: row.old})
SET a.customer_id = row.new, a.at = row.at
