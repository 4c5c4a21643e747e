"""Citations: CSL-JSON, BibLaTeX, RIS, page citation metadata, dates from git history."""
