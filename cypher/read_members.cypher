// Every identifier of the given customers.
UNWIND $ids AS id
MATCH (i:Identifier {customer_id: id})
RETURN i {.key, .kind, .customer_id, .status, .status_reason, .first_seen_at, .last_seen_at, .neighbours, .traits, .variant, .role, .per_person, .persons} AS i
