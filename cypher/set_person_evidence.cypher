// Keep observations' person evidence as parsed (replacing any kept).
UNWIND $rows AS row
MATCH (o:Observation {id: row.observation})
SET o.person_evidence = row.evidence
