import json
import os

from oauth2_provider.oauth2_validators import OAuth2Validator


class ClaimsValidator(OAuth2Validator):
    oidc_claim_scope = None  # every claim, whatever the scopes (the test decides the claims)

    def get_additional_claims(self, request):
        user = request.user
        with open(os.environ["PROVIDER_CLAIMS"], encoding="utf-8") as fh:
            extra = json.load(fh).get(user.username, {})
        return {
            "preferred_username": user.username,
            "email": user.email,
            "given_name": user.first_name,
            "family_name": user.last_name,
            **extra,
        }
