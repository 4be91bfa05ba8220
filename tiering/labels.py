"""Display labels for the classes, VIP levels and capital segments tiering shows (translated in
this app's catalogue)."""

from django.utils.translation import gettext_lazy as _

VIP_LABELS = {
    "ordinary": _("Ordinary"),
    "gold": _("Gold"),
    "platinum": _("Platinum"),
    "diamond": _("Diamond"),
    "private": _("Private banking"),
}
SEGMENT_LABELS = {
    "large": _("Large account (大户)"),
    "medium": _("Medium account (中户)"),
    "small": _("Small account (散户)"),
    "institution": _("Institution (机构)"),
}


def class_label(cls: str) -> str:
    return _("Class %(c)s") % {"c": cls} if cls else "—"
