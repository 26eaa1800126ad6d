// File observations under the blocking keys of their person evidence (idempotent).
UNWIND $rows AS row
MERGE (b:PersonBlock {key: row.block})
WITH b, row
MATCH (o:Observation {id: row.observation})
MERGE (o)-[:FILED_UNDER]->(b)
