"""GitHub: repository links, commit sync, the inbound webhook and code documentation."""
