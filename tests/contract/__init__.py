"""Contract tests: one suite, every store."""
