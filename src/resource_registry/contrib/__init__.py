"""Contributing and reviewing from the browser: issue-form intake and `resreg changes`."""
