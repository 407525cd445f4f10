"""Benchmarks: each module prints tables and asserts nothing."""
