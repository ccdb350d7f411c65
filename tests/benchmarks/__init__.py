"""Benchmark sections of `make bench`; each prints its figures next to a baseline from the same run."""
