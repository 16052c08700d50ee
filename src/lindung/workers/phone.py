"""Phone numbers: any common Indonesian way of writing one, stored as E.164 (``+6281234567890``).

The parsing comes from ``lokal.phone``; its messages are Indonesian only, so this module maps its
issue codes to our own translatable sentences.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from lokal.phone import parse_phone


def phone_normalise(value: str) -> str:
    """``0812-3456-7890`` → ``+6281234567890``; an empty value stays empty; a wrong one raises ValidationError."""
    value = value.strip()
    if not value:
        return ""
    info = parse_phone(value)
    if info.valid and info.e164:
        return info.e164
    code = info.errors[0].code if info.errors else "format"
    if code == "length":
        message = gettext("A mobile number has 10 to 13 digits, counting the 0 at the start; a landline 8 to 12.")
    else:
        message = gettext("Write an Indonesian phone number starting with 0, 62 or +62, for example 0812-3456-7890.")
    raise ValidationError(message, code=f"phone_{code}")
