"""Spreadsheet files in and out, at the bottom of the house: no feature app is imported here.

- reading: an uploaded ``.xlsx`` or ``.csv`` as a header and a stream of numbered rows, bounded in size, rows,
  columns, cells and time before anything is allocated (every upload is hostile until proven otherwise);
- cells and columns: a cell as people type it read into text, a date or yes/no; a header row matched to the
  columns a file may have;
- writing: the workbooks and CSV files Lindung writes, every text cell neutralised against formulas.
"""
