// Observations carrying any of the identifiers, newest first.
UNWIND $keys AS k
MATCH (:Identifier {key: k})<-[:CARRIES]-(o:Observation)
WITH DISTINCT o
ORDER BY o.observed_at DESC, o.id DESC
LIMIT $limit
RETURN o {.id, .source, .observed_at, .received_at, .identifiers, .attributes} AS o
