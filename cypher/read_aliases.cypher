// Absorbed ids and the customer each answers with (null: dissolved).
UNWIND $ids AS id
MATCH (a:Alias {old_id: id})
RETURN a.old_id AS old_id, a.customer_id AS customer_id
