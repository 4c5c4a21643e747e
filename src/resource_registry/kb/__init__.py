"""Knowledge-base pages: their references to resources, `cited_by`, and the pages vocabulary."""
