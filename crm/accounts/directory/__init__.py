"""Sign-in with the bank's directory (issue 16 item 3): LDAP / Active Directory through
django-auth-ldap (ldap.py) and OpenID Connect through mozilla-django-oidc (oidc.py). Both hand
what the directory says about a person to one mapping (mapping.py): roles from groups or claims,
branch and team from attributes, applied and audited at every sign-in. Nothing here is loaded
unless LDAP_SERVER_URI or OIDC_RP_CLIENT_ID is set (README, "Signing in with the bank's
directory"); the embedded default keeps local passwords.
"""
