"""Lindung: BPJS Ketenagakerjaan coverage for vulnerable informal workers, paid by regional governments."""

__version__ = "0.1.0"
