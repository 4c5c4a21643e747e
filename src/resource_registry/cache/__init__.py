"""Per-file results kept between runs, outside the work tree."""
