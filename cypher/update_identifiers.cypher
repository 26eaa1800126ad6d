// Changed identifiers; a null property (customer_id of a value that stopped linking) is removed.
UNWIND $rows AS row
MATCH (i:Identifier {key: row.key})
SET i += row.props
