// Ids that now answer with this customer, in id order.
MATCH (a:Alias {customer_id: $customer_id})
RETURN a.old_id AS old_id
ORDER BY old_id
