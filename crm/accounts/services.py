"""Writes about staff accounts. Permission changes are audited (DESIGN §5.5: compliance reviews
reassignments and permission changes in the audit log)."""

from crm.audit.services import record


def permission_snapshot(user) -> dict:
    """What a user may do, as plain data for the audit row's before/after."""
    return {
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "permissions": sorted(
            f"{app}.{codename}"
            for app, codename in user.user_permissions.values_list(
                "content_type__app_label", "codename"
            )
        ),
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "break_glass": user.break_glass,
    }


def record_permission_change(acting_user, user, before: dict | None) -> bool:
    """Audit `user.permissions_changed` if the user's rights differ from `before`.

    Call it inside the transaction that changed them. Returns whether a row was written.
    """
    user.__dict__.pop("role_names", None)
    after = permission_snapshot(user)
    if before == after:
        return False
    record(acting_user, "user.permissions_changed", user, before=before, after=after)
    return True


def role_snapshot(group) -> dict:
    return {
        "name": group.name,
        "permissions": sorted(
            f"{app}.{codename}"
            for app, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        ),
    }


def record_role_change(acting_user, group, before: dict | None) -> bool:
    """Audit `role.changed` when a role's (group's) name or permissions changed."""
    after = role_snapshot(group)
    if before == after:
        return False
    record(acting_user, "role.changed", group, before=before, after=after)
    return True
