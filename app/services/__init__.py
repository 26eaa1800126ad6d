"""Use cases: each takes the engine and plain inputs, runs one unit of work, returns results."""
