"""The one accessor for Fiducia's domain defaults.

Every configurable domain number (cadences, limits, ages, validity periods) lives in a
`settings.FIDUCIA_<SECTION>` dictionary in crm/settings.py and is read here, so a deployment
changes it in one place and no module keeps a default of its own. docs/domain-rules.md says what
each one means.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def fiducia(section: str, key: str):
    """`settings.FIDUCIA_<section>[key]`, e.g. `fiducia("SALES", "DORMANT_MONTHS")`.

    A missing section or key is a configuration error, not a silent fallback: an override that
    replaces a whole dictionary must keep the keys it does not change.
    """
    name = f"FIDUCIA_{section}"
    try:
        return getattr(settings, name)[key]
    except AttributeError:
        raise ImproperlyConfigured(f"settings.{name} is not defined.") from None
    except KeyError:
        raise ImproperlyConfigured(f"settings.{name} has no {key!r}.") from None
