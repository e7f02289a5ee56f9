"""Feature packages: one folder per capability (routes, service, queries, forms)."""
