// Move every member of an absorbed customer to its survivor (rows: {old, new}).
UNWIND $rows AS row
MATCH (i:Identifier {customer_id: row.old})
SET i.customer_id = row.new
