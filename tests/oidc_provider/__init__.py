"""A small OpenID provider (django-oauth-toolkit) that the OIDC sign-in tests run as a separate
process (tests/crm/accounts/test_oidc.py): its own settings, database and port, standing in for
Keycloak or ADFS. Extra claims per user (groups, branch, team) come from a JSON file the test
writes, so a test can change what the provider says between two sign-ins."""
