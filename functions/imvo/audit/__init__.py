"""The audit trail: every event in an application's life, written once, in time order."""
