// Record a value about the store.
MERGE (m:Meta {name: $name})
SET m.value = $value
