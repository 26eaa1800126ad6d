// Ids that answered with an absorbed customer now answer with its survivor.
UNWIND $rows AS row
MATCH (a:Alias {customer_id: row.old})
SET a.customer_id = row.new
