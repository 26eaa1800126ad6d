// An endpoint and its deliveries.
OPTIONAL MATCH (w:WebhookEndpoint {id: $id})
WITH count(w) AS found, collect(w) AS endpoints
FOREACH (w IN endpoints | DELETE w)
WITH found
OPTIONAL MATCH (d:Delivery {endpoint_id: $id})
WITH found, collect(d) AS deliveries
FOREACH (d IN deliveries | DELETE d)
RETURN found
