"""The registry as a whole: validate it, look things up in it."""
