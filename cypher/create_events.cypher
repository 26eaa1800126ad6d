// New timeline events; anchor is the key of the identifier each is attached to.
UNWIND $rows AS row
CREATE (e:Event {id: row.id})
SET e += row.props
