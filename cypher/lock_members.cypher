// Every identifier of the given customers, write-locked (their customers are locked first).
UNWIND $ids AS id
MATCH (i:Identifier {customer_id: id})
SET i.lock_version = coalesce(i.lock_version, 0) + 1
RETURN i {.key, .kind, .customer_id, .status, .status_reason, .first_seen_at, .last_seen_at, .neighbours, .traits, .variant, .role, .per_person, .persons} AS i
