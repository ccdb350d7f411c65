"""Local tooling that never ships to Lambda: the local server, embedded S3, template reader, admin CLI."""
