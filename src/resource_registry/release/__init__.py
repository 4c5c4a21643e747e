"""The dataset and the site: export, its formats, loading it back, changes, and the
trust at those steps (a dataset screened before use, the mark of origin on outputs)."""
