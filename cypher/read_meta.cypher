// A value the store keeps about itself.
MATCH (m:Meta {name: $name})
RETURN m.value AS value
