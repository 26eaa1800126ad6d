// Stewards' answers to review items, numbered by the caller from the `review` counter.
UNWIND $rows AS row
CREATE (r:ReviewLabel {seq: row.seq})
SET r += row.props
