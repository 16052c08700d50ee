"""Indonesian: 5 Des 2026, Des 2026, 5 Des 2026 04.33 (a dot between hour and minute); 75.489 and 7,5."""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = DATE_FORMAT
YEAR_MONTH_FORMAT = "M Y"
MONTH_DAY_FORMAT = "j M"
TIME_FORMAT = "H.i"
DATETIME_FORMAT = "j M Y H.i"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
FIRST_DAY_OF_WEEK = 1  # Monday

# The browser's date picker sends and shows ISO dates (a form's first input format is how it writes a date
# back): ISO first, then as people type them, day first.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d %b %Y", "%d %B %Y"]

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
