// A feed follower's position, without taking its lock.
MATCH (c:Cursor {name: $name})
RETURN c.value AS value
