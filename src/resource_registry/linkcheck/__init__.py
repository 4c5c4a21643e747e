"""check-links: what the servers answer, kept in each resource's fetch block."""
