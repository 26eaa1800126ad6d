// Which of these ids are live customers.
UNWIND $ids AS id
MATCH (c:Customer {id: id})
RETURN c.id AS id
