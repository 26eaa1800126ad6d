// Create or replace a webhook endpoint.
MERGE (w:WebhookEndpoint {id: $id})
SET w += $props
