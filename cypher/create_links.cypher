// New links, from the smaller key to the larger. Both ends were read (and locked) or created
// by this transaction, so no concurrent writer can create the same pair.
UNWIND $rows AS row
MATCH (a:Identifier {key: row.a})
MATCH (b:Identifier {key: row.b})
CREATE (a)-[l:LINK]->(b)
SET l += row.props
