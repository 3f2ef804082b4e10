"""Storage: the declarative base, engines and sessions, migrations."""
