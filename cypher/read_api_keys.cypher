// Every key (sorted oldest first by the caller).
MATCH (k:ApiKey)
RETURN k {.id, .name, .prefix, .digest, .scopes, .created_at, .revoked_at} AS k
