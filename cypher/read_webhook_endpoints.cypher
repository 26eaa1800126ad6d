// Every webhook endpoint, in id order.
MATCH (w:WebhookEndpoint)
RETURN w {.id, .url, .secret, .types, .segments, .marketing, .active, .disabled_reason,
          .created_at, .after_seq} AS endpoint
ORDER BY w.id
