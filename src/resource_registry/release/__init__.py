"""The dataset and the site: export, its formats, loading it back, changes."""
