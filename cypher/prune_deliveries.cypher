// Settled webhook deliveries (delivered or failed) created before a time.
MATCH (d:Delivery)
WHERE d.created_at < $before AND d.state <> $pending
WITH d
LIMIT $limit
DELETE d
RETURN count(*) AS deleted
