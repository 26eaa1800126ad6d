// Deliveries by id; one that exists already is left as it is.
UNWIND $rows AS row
MERGE (d:Delivery {id: row.id})
ON CREATE SET d += row
