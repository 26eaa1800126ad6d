// Live customers by id, write-locked in id order before their properties are read.
UNWIND $ids AS id
MATCH (c:Customer {id: id})
SET c.lock_version = coalesce(c.lock_version, 0) + 1
RETURN c {.id, .anchor_key, .anchor_first_seen_at, .size, .kind_counts, .allowance, .conflicts, .linking, .traits, .created_at, .updated_at} AS c
