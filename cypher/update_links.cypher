// Changed links.
UNWIND $rows AS row
MATCH (a:Identifier {key: row.a})
MATCH (b:Identifier {key: row.b})
MATCH (a)-[l:LINK]->(b)
SET l += row.props
