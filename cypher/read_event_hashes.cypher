// Body hashes of stored events by id.
UNWIND $ids AS id
MATCH (e:Event {id: id})
RETURN e.id AS id, e.body_hash AS body_hash
