// Keep observations' person evidence as parsed, replacing any kept; an unchanged text is
// not written again (a record filed again under the same policy), so its node is not locked.
UNWIND $rows AS row
MATCH (o:Observation {id: row.observation})
WHERE o.person_evidence IS NULL OR o.person_evidence <> row.evidence
SET o.person_evidence = row.evidence
