// Reserve $n numbers of a counter in this transaction; returns the last one reserved.
// The counter node is written by every transaction that takes numbers, so they serialise.
MERGE (c:Counter {name: $name})
ON CREATE SET c.value = 0
SET c.value = c.value + $n
RETURN c.value AS value
