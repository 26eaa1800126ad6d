// Customers absorbed by a merge or dissolved.
UNWIND $ids AS id
MATCH (c:Customer {id: id})
DETACH DELETE c
