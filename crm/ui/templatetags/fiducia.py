from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from crm.ui import dates, formatting
from crm.ui.registry import panels_for

register = template.Library()

register.filter("amount", formatting.format_amount)
register.filter("mask_name", formatting.mask_name)
register.filter("mask_id", formatting.mask_id_number)
register.filter("mask_phone", formatting.mask_phone)
register.filter("mask_email", formatting.mask_email)
register.filter("mask_account", formatting.mask_account)
register.filter("relative_day", dates.relative_day)
register.filter("relative_date", dates.relative_date)


class PageTitleNode(template.Node):
    child_nodelists = ("nodelist",)

    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        # The block renders escaped already; strip() would drop the mark and escape it twice.
        page = mark_safe(self.nodelist.render(context).strip())  # noqa: S308
        site = _("Fiducia CRM")
        return format_html("{} · {}", page, site) if page else conditional_escape(site)


@register.tag
def page_title(parser, token):
    """`{% page_title %}{% block title %}{% endblock %}{% endpage_title %}`: "page · site".

    A template cannot test whether a child filled a block (`self.title` is Jinja, never set in
    Django), so the tag renders the block and adds the separator only when it says something.
    """
    nodelist = parser.parse(("endpage_title",))
    parser.delete_first_token()
    return PageTitleNode(nodelist)


@register.filter
def ymd(value):
    """Dates as YYYY-MM-DD whatever the language."""
    if not value:
        return "—"
    return value.strftime("%Y-%m-%d")


@register.simple_tag(takes_context=True)
def panels(context, slot, obj=None):
    """Panels other apps registered for `slot`, with their URLs resolved for `obj`."""
    user = context["request"].user
    out = []
    for panel in panels_for(slot, user):
        try:
            url = reverse(panel.url_name, args=[obj.pk] if obj is not None else [])
        except NoReverseMatch:
            continue
        out.append({"key": panel.key, "title": panel.title, "url": url, "width": panel.width})
    return out


@register.simple_tag
def calendar_missing_years():
    from django.utils import timezone

    from crm.calendar import missing_years

    year = timezone.localdate().year
    return missing_years([year, year + 1])


@register.inclusion_tag("ui/_shortcuts.html", takes_context=True)
def shortcuts_dialog(context):
    """The `?` help dialog; static/js/fiducia.js runs the shortcuts from its rows."""
    from crm.ui.shortcuts import shortcuts_for

    user = context.get("user") or getattr(context.get("request"), "user", None)
    return {"shortcuts": shortcuts_for(user) if user is not None else []}


@register.inclusion_tag("ui/_empty.html", takes_context=True)
def empty_state(context, sentence, *, icon="inbox", url="", action="", perm=""):
    """What an empty list says: `sentence` (what to do next) and, when the user may take it,
    one primary action. `url` is a URL name (reversed without arguments) or a path/anchor.

    `{% empty_state _("No customers match. …") icon="people" url="customers:customer-create"
    action=_("Add a customer") perm="customers.add_customer" %}`
    """
    user = context.get("user") or getattr(context.get("request"), "user", None)
    action_url = ""
    if url and action and (not perm or (user is not None and user.has_perm(perm))):
        if url.startswith(("/", "#", "?")):
            action_url = url
        else:
            try:
                action_url = reverse(url)
            except NoReverseMatch:
                action_url = ""
    return {"icon": icon, "sentence": sentence, "action_url": action_url, "action_label": action}
