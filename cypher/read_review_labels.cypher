// Every steward answer to a review item, oldest first.
MATCH (r:ReviewLabel)
RETURN r {.seq, .a, .b, .decision, .reason, .actor, .at} AS r
ORDER BY r.seq
