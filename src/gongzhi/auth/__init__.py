"""Users, roles, area scopes, units, passwords, API tokens, web sessions and CSRF."""
