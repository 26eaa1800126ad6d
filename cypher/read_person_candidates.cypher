// Observations filed under any of the blocking keys, at most $limit a key (smallest ids).
// Each key's first records come from a top-N inside a subquery: a key's whole list is never
// collected (common keys hold thousands of records).
UNWIND $blocks AS k
CALL (k) {
  MATCH (:PersonBlock {key: k})<-[:FILED_UNDER]-(o:Observation)
  RETURN o
  ORDER BY o.id
  LIMIT $limit
}
WITH DISTINCT o
RETURN o {.id, .source, .observed_at, .received_at, .identifiers, .attributes} AS o
