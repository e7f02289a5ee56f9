"""Local stand-ins for the external services Keel talks to (HTTP servers for tests)."""
