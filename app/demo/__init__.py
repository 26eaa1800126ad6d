"""Seeded demo data: a synthetic population, its channel observations and quality metrics."""
