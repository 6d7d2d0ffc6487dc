"""Benchmarks against peer libraries (optional `peers` extra)."""
