// A new API key record (its hash only).
CREATE (k:ApiKey {id: $id})
SET k += $props
