"""System checks (`manage.py check`, run at every start) for the directory settings: a role map
naming a role Fiducia does not have would silently grant nothing, so it stops the start."""

from django.conf import settings
from django.core import checks

from ..roles import ROLES


@checks.register(checks.Tags.security)
def role_maps_name_known_roles(app_configs=None, **kwargs):
    errors = []
    for key in ("LDAP_ROLE_MAP", "OIDC_ROLE_MAP"):
        role_map = settings.FIDUCIA_DIRECTORY.get(key)
        if not isinstance(role_map, dict):
            errors.append(
                checks.Error(f"{key} must be a JSON object of group → role.", id="fiducia.E101")
            )
            continue
        for group, mapped in role_map.items():
            for role in [mapped] if isinstance(mapped, str) else mapped:
                if role not in ROLES:
                    errors.append(
                        checks.Error(
                            f"{key} maps {group!r} to {role!r}, which is not a Fiducia role.",
                            hint="Roles: " + ", ".join(ROLES),
                            id="fiducia.E102",
                        )
                    )
    return errors
