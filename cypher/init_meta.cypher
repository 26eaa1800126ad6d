// Record a value about the store unless one is recorded (the schema version at migrate).
MERGE (m:Meta {name: $name})
ON CREATE SET m.value = $value
