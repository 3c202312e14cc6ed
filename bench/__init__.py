"""Benchmarks of the time bank (never part of the test suite): see bench/README.md."""
