"""Trust at the release steps: what a dataset must pass before it is used, and the mark
of origin on every folder that `--out` may replace."""
