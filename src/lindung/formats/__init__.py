"""Lindung's date and number formats per language (``FORMAT_MODULE_PATH``), one per kind of value.

Pages name the kind, never a pattern: ``{{ day|date:"DATE_FORMAT" }}`` (5 Des 2026 / 5 Dec 2026),
``"YEAR_MONTH_FORMAT"`` (Des 2026 / Dec 2026), ``"DATETIME_FORMAT"`` (5 Des 2026 04.33 / 5 Dec 2026 04:33);
the SHORT_ variants are the same, so that no page shows a second form of a day. Letters spell the month out
(``lindung.contributions.documents``). What is not set here comes from Django's own formats of the language.
"""
