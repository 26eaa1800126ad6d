"""Customer 360: timeline events and their aggregates, survivorship, the profile, the
timeline, context for agents, and the change feed."""
