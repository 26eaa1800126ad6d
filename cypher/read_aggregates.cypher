// Per-identifier event aggregates by key.
UNWIND $keys AS k
MATCH (g:Aggregate {key: k})
RETURN g.key AS key, g.data AS data
