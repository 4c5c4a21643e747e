"""Commands that change the registry: new, fmt, fixes, retire and merge, import."""
