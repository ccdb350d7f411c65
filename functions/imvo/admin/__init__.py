"""What admins do: dated bundles, the allocation over the ceilings, reports and decisions."""
