from django import template

from crm.audit import labels

register = template.Library()


@register.filter
def action_label(entry):
    """An audit row's action in the reader's language (`customer.exported` → 客户名单导出)."""
    return labels.action_label(entry.action, entry.target_type)


@register.filter
def target_type_label(entry):
    return labels.target_type_label(entry.target_type)
