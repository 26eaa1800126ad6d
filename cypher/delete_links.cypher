// Person-evidence links the policy in force no longer proposes.
UNWIND $rows AS row
MATCH (a:Identifier {key: row.a})-[l:LINK]->(b:Identifier {key: row.b})
DELETE l
