"""Append-only, SHA-256 hash-chained timeline and data-access log."""
