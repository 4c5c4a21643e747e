"""Metadata from the source: adapters that read what a source states about a URL, and
``new``'s filling, ``enrich`` and ``check-metadata`` built on them."""
