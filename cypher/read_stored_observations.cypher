// Stored observations by id, as the matcher reads them.
UNWIND $ids AS id
MATCH (o:Observation {id: id})
RETURN o {.id, .source, .observed_at, .received_at, .identifiers, .attributes} AS o
