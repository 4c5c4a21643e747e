"""The rules: one file, the whole catalog, vocabularies, tombstones, history."""
