"""``{{ notice.text_id|notice_html }}``: a notice's plain lines as HTML (``PrivacyNotice``), every word escaped."""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def notice_html(text: str) -> SafeString:
    """``## `` a heading (``h2``), ``- `` an item of a list, a blank line between paragraphs."""
    parts: list[str] = []
    items: list[str] = []
    paragraph: list[str] = []

    def close() -> None:
        if paragraph:
            parts.append(f"<p>{escape(' '.join(paragraph))}</p>")
            paragraph.clear()
        if items:
            parts.append("<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>")
            items.clear()

    for raw in str(text).splitlines():
        line = raw.strip()
        if not line:
            close()
        elif line.startswith("## "):
            close()
            parts.append(f"<h2>{escape(line[3:])}</h2>")
        elif line.startswith("- "):
            if paragraph:
                close()
            items.append(line[2:])
        else:
            if items:
                close()
            paragraph.append(line)
    close()
    return mark_safe("\n".join(parts))  # noqa: S308 - every piece escaped above
