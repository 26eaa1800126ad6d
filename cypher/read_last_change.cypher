// The newest number the change feed has handed out (0 before the first change).
OPTIONAL MATCH (c:Counter {name: $name})
RETURN coalesce(c.value, 0) AS value
