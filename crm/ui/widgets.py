"""Native date and time inputs whose value is ISO 8601 in every language.

A browser's `<input type="date">` accepts only `2027-01-27` and `type="datetime-local"` only
`2027-01-27T09:30`. Django's DateInput renders the active locale's first input format instead
(`2027/01/27` in Chinese), which the browser drops: the field shows empty and saving the form
unchanged erases the date. Every native date or time input in Fiducia uses these widgets.
"""

from django import forms

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
ISO_TIME = "%H:%M"


class NativeDateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=ISO_DATE)


class NativeDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=ISO_DATETIME_LOCAL)


class NativeTimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=ISO_TIME)
