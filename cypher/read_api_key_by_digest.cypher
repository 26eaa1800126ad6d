// The key with this hash, revoked or not.
MATCH (k:ApiKey {digest: $digest})
RETURN k {.id, .name, .prefix, .digest, .scopes, .created_at, .revoked_at} AS k
