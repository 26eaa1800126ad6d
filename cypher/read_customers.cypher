// Live customers by id.
UNWIND $ids AS id
MATCH (c:Customer {id: id})
RETURN c {.id, .anchor_key, .anchor_first_seen_at, .size, .kind_counts, .allowance, .conflicts, .linking, .traits, .created_at, .updated_at} AS c
