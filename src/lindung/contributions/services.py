"""Transitional: the names the dashboard app still imports from here, until its own branch of issue 13 lands.

Billing lives in ``billing.py``, payments in ``payments.py``, the rule of which enrolments a month bills
in ``sql.py``. Nothing else may import this module; delete it once ``dashboard/`` imports from those.
"""

from lindung.contributions.billing import invoice_build, invoice_issue
from lindung.contributions.payments import payment_record
from lindung.contributions.sql import BILLED_STATUSES

__all__ = ["BILLED_STATUSES", "invoice_build", "invoice_issue", "payment_record"]
