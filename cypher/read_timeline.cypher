// Events anchored on the identifiers, newest first, after the (time, id) cursor; types are
// exact names or prefixes ("order." for "order.*"); one more row than a page says "more".
UNWIND $keys AS k
MATCH (e:Event {anchor: k})
WHERE ($before_at IS NULL OR e.occurred_at < $before_at
       OR (e.occurred_at = $before_at AND e.id < $before_id))
  AND ($since IS NULL OR e.occurred_at >= $since)
  AND ($until IS NULL OR e.occurred_at < $until)
  AND ($any_type OR e.type IN $types OR any(p IN $prefixes WHERE e.type STARTS WITH p))
WITH e
ORDER BY e.occurred_at DESC, e.id DESC
LIMIT $limit
RETURN e {.id, .type, .occurred_at, .source, .identifiers, .data, .body_hash, .anchor} AS e
