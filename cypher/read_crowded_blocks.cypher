// The blocking keys filed under by more than $limit observations. Each key is counted only
// up to one past the limit inside a subquery: a common key's whole list is never walked.
UNWIND $blocks AS k
CALL (k) {
  MATCH (:PersonBlock {key: k})<-[:FILED_UNDER]-(o:Observation)
  WITH o
  LIMIT $limit + 1
  RETURN count(o) AS filed
}
WITH k, filed
WHERE filed > $limit
RETURN k AS key
