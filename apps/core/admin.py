"""Admin pieces shared by every app's ModelAdmin."""

from django import forms
from django.db import models

# One labelled <input type="datetime-local"> instead of Django's split date and time boxes, which carry no
# labels of their own (axe: label) and need the admin's calendar script. Browsers without the input type
# get a text box that takes "2026-12-04T09:00", the format it shows.
LOCAL_DATETIME = {
    models.DateTimeField: {
        "form_class": forms.DateTimeField,
        "widget": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    }
}


class LocalDateTimeAdmin:
    """Mix into a ModelAdmin whose editable fields include date-times."""

    formfield_overrides = LOCAL_DATETIME
