"""Staff authentication: accounts, roles, sessions, CSRF and the FastAPI dependencies that guard
every staff page (see dependencies.py for the names other features import)."""
