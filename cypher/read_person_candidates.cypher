// Observations filed under any of the blocking keys, at most $limit a key (smallest ids).
UNWIND $blocks AS k
MATCH (:PersonBlock {key: k})<-[:FILED_UNDER]-(o:Observation)
WITH k, o
ORDER BY o.id
WITH k, collect(o)[..$limit] AS filed
UNWIND filed AS o
WITH DISTINCT o
RETURN o {.id, .source, .observed_at, .received_at, .identifiers, .attributes} AS o
