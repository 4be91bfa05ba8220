from django.urls import NoReverseMatch, reverse

from .registry import nav_for, nav_group


def navigation(request):
    """The top menu: plain links, and drop-downs for NavItems that name a registered group
    (a group with one visible item shows as that item's link)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    entries, groups = [], {}
    for item in nav_for(user):
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        link = {
            "key": item.key,
            "label": item.label,
            "url": url,
            "icon": item.icon,
            "active": request.path == url or (url != "/" and request.path.startswith(url)),
        }
        group = nav_group(item.group) if item.group else None
        if group is None:
            entries.append((item.order, link))
            continue
        if group.key not in groups:
            groups[group.key] = {"group": group.key, "label": group.label, "icon": group.icon}
            groups[group.key]["items"] = []
            entries.append((group.order, groups[group.key]))
        groups[group.key]["items"].append(link)
    items = []
    for _order, entry in sorted(entries, key=lambda e: e[0]):
        if "group" in entry and len(entry["items"]) == 1:
            entry = entry["items"][0]
        elif "group" in entry:
            entry["active"] = any(i["active"] for i in entry["items"])
        items.append(entry)
    return {"nav_items": items}
