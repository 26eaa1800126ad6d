// The person evidence kept for observations by id (observations with none are left out).
UNWIND $ids AS id
MATCH (o:Observation {id: id})
WHERE o.person_evidence IS NOT NULL
RETURN o.id AS id, o.person_evidence AS evidence
