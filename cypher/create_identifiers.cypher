// New identifiers. CREATE, not MERGE: the unit of work decided these keys were absent, so a
// key that exists now was created by a concurrent writer and the unit of work must re-run
// (the unique constraint raises ConstraintError) rather than overwrite that writer's node.
UNWIND $rows AS row
CREATE (i:Identifier {key: row.key})
SET i += row.props
