"""Stores: one protocol, an adapter per database, chosen by the composition root."""
