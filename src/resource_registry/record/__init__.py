"""The record format: models and the schemas made from them, where files are, the YAML
reader and writer, URLs, redirects."""
