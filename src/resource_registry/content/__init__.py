"""What a source says: main-text extraction, fingerprints and drift, soft 404s and walls,
archived copies."""
