"""The night's work, one entry point: tidy the worker's leftovers, recompute every enrolment's coverage (arrears,
lapse), then rebuild the dashboard's figures from it. At the top of the house: it calls the apps in order."""
