// A segment, its memberships and its re-checks (the history stays).
OPTIONAL MATCH (s:Segment {id: $id})
WITH count(s) AS found, collect(s) AS segments
FOREACH (s IN segments | DELETE s)
WITH found
OPTIONAL MATCH (m:Membership {segment_id: $id})
WITH found, collect(m) AS members
FOREACH (m IN members | DELETE m)
WITH found
OPTIONAL MATCH (r:Recheck {segment_id: $id})
WITH found, collect(r) AS rechecks
FOREACH (r IN rechecks | DELETE r)
RETURN found
