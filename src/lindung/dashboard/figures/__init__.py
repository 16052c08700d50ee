"""The dashboard's figures, one module per family: ``coverage`` (by region, against the targets),
``demographics``, ``monthly`` (enrolments over time), ``at_risk``, ``money`` and ``claims``.

They share ``place`` (the drilled region, its trail and its child regions) and ``summary`` (the summary tables'
rows within that region, through the user's region scope). ``lindung.dashboard.selectors.dashboard_figures``
assembles them into the page.
"""
