// Identifier states by key, write-locked first: keys arrive sorted, so locks are taken in key
// order. The SET is what locks (Neo4j blocks a second writer until commit; ArcadeDB aborts
// the later committer), and the properties are read after it, so they are the latest.
UNWIND $keys AS k
MATCH (i:Identifier {key: k})
SET i.lock_version = coalesce(i.lock_version, 0) + 1
RETURN i {.key, .kind, .customer_id, .status, .status_reason, .first_seen_at, .last_seen_at, .neighbours, .traits, .variant, .role, .per_person, .persons} AS i
