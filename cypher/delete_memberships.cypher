// Memberships by their key (segment_id|customer_id).
UNWIND $keys AS key
MATCH (m:Membership {key: key})
DELETE m
