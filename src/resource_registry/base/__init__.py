"""What every room uses: expected errors, findings and their codes, files, git, the
registry configuration, the text rules."""
