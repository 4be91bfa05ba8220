"""URL patterns of the core's generic transfer pages, for the apps' urls.py."""

from django.urls import path

from crm.core.views.transfers import import_views


def staged_import_urls(route: str, kind, views=None) -> list:
    """The five staged-import pages of `kind` under `route` (e.g. "signals/import/"), named
    "<name>-upload", "-preview", "-errors", "-confirm" and "-cancel" after `kind.url_name`, the
    names `kind.url(step)` reverses. `views` defaults to `import_views(kind)`."""
    views = views or import_views(kind)
    name = kind.url_name.rpartition(":")[2]
    return [
        path(route, views.upload, name=f"{name}-upload"),
        path(f"{route}<int:pk>/", views.preview, name=f"{name}-preview"),
        path(f"{route}<int:pk>/errors/", views.errors, name=f"{name}-errors"),
        path(f"{route}<int:pk>/confirm/", views.confirm, name=f"{name}-confirm"),
        path(f"{route}<int:pk>/cancel/", views.cancel, name=f"{name}-cancel"),
    ]
