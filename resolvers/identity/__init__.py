"""Identity: identifier kinds and normalisers, the merge policy, and resolving evidence into
customers (canonical rule, fast path, re-resolution, stable ids)."""
