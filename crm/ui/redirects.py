"""Where a posted action goes back to."""

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default: str) -> str:
    """The `next` the request names when it is a path on this site, else `default`. Only a
    path ("/…") is taken: redirect() would treat any other string as a view name to reverse."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and "\x00" not in target
        and url_has_allowed_host_and_scheme(target, {request.get_host()})
    ):
        return target
    return default
