"""Verifiable order of receipt (issue 23): signed receipts, the append-only receipt log, the blind lottery."""
