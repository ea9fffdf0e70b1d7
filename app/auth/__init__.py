"""Users, roles, district scopes, API tokens and the sign-in audit."""
