// Every segment, in id order.
MATCH (s:Segment)
RETURN s {.id, .name, .description, .condition, .created_at, .updated_at} AS segment
ORDER BY s.id
