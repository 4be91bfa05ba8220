"""Every view declares who may open it (crm.accounts.permissions): a permission requirement
(`@requires`), the explicit "any signed-in user" marker (`@signed_in`, with a comment saying why)
or `@public`. A view that declares nothing fails here, so a new page cannot forget its check."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Views that come from Django or a library and carry their own rules.
LIBRARY_PREFIXES = ("django.", "django_", "debug_toolbar", "csp.")
# URL namespaces that are not ours (Django admin has its own staff and permission checks).
FOREIGN_NAMESPACES = {"admin"}


def _walk(patterns, prefix="", namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if ns in FOREIGN_NAMESPACES:
                continue
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), namespace, entry


def _ours(pattern: URLPattern) -> bool:
    view = pattern.callback
    module = getattr(view, "__module__", "") or ""
    if hasattr(view, "view_class"):
        module = view.view_class.__module__
    return not module.startswith(LIBRARY_PREFIXES)


def test_every_view_declares_its_access():
    undeclared = []
    seen = 0
    for route, namespace, pattern in _walk(get_resolver().url_patterns):
        if not _ours(pattern):
            continue
        seen += 1
        view = pattern.callback
        if hasattr(view, "view_class"):
            view = view.view_class
        access = getattr(view, "fiducia_access", None)
        if access not in {"permission", "signed-in", "public"}:
            undeclared.append(f"{namespace}:{pattern.name} ({route})")
    assert seen > 50, "the walk found too few views to be checking anything"
    assert not undeclared, "views without @requires / @signed_in / @public:\n" + "\n".join(
        sorted(undeclared)
    )


@pytest.mark.parametrize("decorator", ["requires", "signed_in", "public"])
def test_markers_are_what_the_walk_reads(decorator, rf):
    from crm.accounts import permissions

    def view(request):
        return None

    marked = (
        permissions.requires("customers.view_customer")(view)
        if decorator == "requires"
        else getattr(permissions, decorator)(view)
    )
    assert (
        marked.fiducia_access
        == {
            "requires": "permission",
            "signed_in": "signed-in",
            "public": "public",
        }[decorator]
    )
