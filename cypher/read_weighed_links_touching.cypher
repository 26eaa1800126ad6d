// The links with an end among the keys that canonical resolution weighs: not a steward's cut
// (suppressed) and not a person-evidence proposal awaiting review (no observation saw it,
// its reason starts with the review prefix, no steward linked it). LinkRecord.set_aside says
// the same in Python; a contract test holds the two equal. Both patterns start from the node
// found by key (see read_links_touching).
UNWIND $keys AS k
MATCH (a:Identifier {key: k})-[l:LINK]->(b:Identifier)
WHERE l.state <> 'suppressed'
  AND NOT (l.count = 0 AND l.state <> 'manual' AND l.sources = $person_sources
           AND coalesce(l.reason, '') STARTS WITH $review_prefix)
RETURN a.key AS a, b.key AS b, l {.state, .reason, .count, .first_seen_at, .last_seen_at, .sources, .observations, .decided_by, .decided_at} AS l
UNION ALL
UNWIND $keys AS k
MATCH (b:Identifier {key: k})<-[l:LINK]-(a:Identifier)
WHERE l.state <> 'suppressed'
  AND NOT (l.count = 0 AND l.state <> 'manual' AND l.sources = $person_sources
           AND coalesce(l.reason, '') STARTS WITH $review_prefix)
RETURN a.key AS a, b.key AS b, l {.state, .reason, .count, .first_seen_at, .last_seen_at, .sources, .observations, .decided_by, .decided_at} AS l
