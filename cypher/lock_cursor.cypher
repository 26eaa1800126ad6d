// A feed follower's position, locked by a write so that one transaction moves it at a time.
MERGE (c:Cursor {name: $name})
ON CREATE SET c.value = 0
SET c.version = coalesce(c.version, 0) + 1
RETURN c.value AS value
