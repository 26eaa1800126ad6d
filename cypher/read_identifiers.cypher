// Identifier states by key (unknown keys give no row).
UNWIND $keys AS k
MATCH (i:Identifier {key: k})
RETURN i {.key, .kind, .customer_id, .status, .status_reason, .first_seen_at, .last_seen_at, .neighbours, .traits, .variant, .role, .per_person, .persons} AS i
