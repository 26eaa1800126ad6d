"""Contact 360 service: settings, stores, use cases, HTTP API and command line."""
