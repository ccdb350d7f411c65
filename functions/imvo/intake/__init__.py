"""Receiving applications: the receipt clock, validation, attachments and write-once storage."""
