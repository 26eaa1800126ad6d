// New observations and the identifiers each carries.
UNWIND $rows AS row
CREATE (o:Observation {id: row.id})
SET o += row.props
WITH o, row
UNWIND row.keys AS k
MATCH (i:Identifier {key: k})
CREATE (o)-[:CARRIES]->(i)
