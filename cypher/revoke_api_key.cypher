// Revoke a live key; a row only when one was revoked.
MATCH (k:ApiKey {id: $id})
WHERE k.revoked_at IS NULL
SET k.revoked_at = $at
RETURN k.id AS id
