// Move a feed follower's position.
MERGE (c:Cursor {name: $name})
SET c.value = $value
