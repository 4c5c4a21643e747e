"""Loading a dataset into PostgreSQL."""
