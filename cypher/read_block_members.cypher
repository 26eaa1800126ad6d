// The first $limit observation ids by id filed under each blocking key. Each key's first
// records come from a top-N inside a subquery: a key's whole list is never collected
// (common keys hold thousands of records).
UNWIND $blocks AS k
CALL (k) {
  MATCH (:PersonBlock {key: k})<-[:FILED_UNDER]-(o:Observation)
  RETURN o.id AS id
  ORDER BY id
  LIMIT $limit
}
RETURN k AS key, collect(id) AS ids
