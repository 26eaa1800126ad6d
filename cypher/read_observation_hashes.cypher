// Body hashes of stored observations by id.
UNWIND $ids AS id
MATCH (o:Observation {id: id})
RETURN o.id AS id, o.body_hash AS body_hash
