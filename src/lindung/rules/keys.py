"""The names of the rules the law sets. Values live in ``data/rules.csv``, never in code."""

from enum import StrEnum


class Rule(StrEnum):
    # Contributions (PP 44/2015 Lampiran II; PP 82/2019)
    JKK_RATE = "contribution.jkk_rate"  # basis points of declared income
    JKM_FLAT = "contribution.jkm_flat"  # rupiah per month
    JHT_RATE = "contribution.jht_rate"  # basis points of declared income
    MIN_DECLARED_INCOME = "contribution.min_declared_income"  # rupiah
    BPU_DISCOUNT = "contribution.bpu_discount"  # basis points off JKK+JKM
    DISCOUNT_FOR_GOVERNMENT_FUNDED = "contribution.discount_for_government_funded"  # flag
    # Membership
    MAX_AGE_AT_REGISTRATION = "membership.max_age_at_registration"  # years; must be below
    ARREARS_WINDOW = "membership.arrears_window"  # months
    # JKM benefits (PP 82/2019)
    JKM_LUMP_SUM = "benefit.jkm.lump_sum"
    JKM_PERIODIC = "benefit.jkm.periodic"
    JKM_FUNERAL = "benefit.jkm.funeral"
    JKM_EARLY_DEATH = "benefit.jkm.early_death"
    JKM_EARLY_DEATH_MONTHS = "benefit.jkm.early_death_months"
    SCHOLARSHIP_MIN_MONTHS = "benefit.scholarship.min_contribution_months"
    SCHOLARSHIP_MAX_CHILDREN = "benefit.scholarship.max_children"
    SCHOLARSHIP_MAX_TOTAL = "benefit.scholarship.max_total"
    # JKK benefits (PP 44/2015 as amended by PP 82/2019; Permenaker 5/2021)
    JKK_DEATH_INCOME_MULTIPLE = "benefit.jkk.death_income_multiple"
    JKK_DEATH_PERIODIC = "benefit.jkk.death_periodic"
    JKK_DEATH_FUNERAL = "benefit.jkk.death_funeral"
    JKK_TOTAL_DISABILITY_INCOME_MULTIPLE = "benefit.jkk.total_disability_income_multiple"
    JKK_TOTAL_DISABILITY_MONTHLY = "benefit.jkk.total_disability_monthly"
    JKK_TOTAL_DISABILITY_MONTHS = "benefit.jkk.total_disability_months"
    JKK_PARTIAL_DISABILITY_INCOME_MULTIPLE = "benefit.jkk.partial_disability_income_multiple"
    JKK_STMB_FULL_MONTHS = "benefit.jkk.stmb_full_months"
    JKK_STMB_FULL_RATE = "benefit.jkk.stmb_full_rate"
    JKK_STMB_REDUCED_RATE = "benefit.jkk.stmb_reduced_rate"
    JKK_TRANSPORT_LAND = "benefit.jkk.transport_land"
    JKK_TRANSPORT_SEA = "benefit.jkk.transport_sea"
    JKK_TRANSPORT_AIR = "benefit.jkk.transport_air"
    JKK_REPORT_HOURS = "claim.jkk.report_within_hours"
    JKK_CLAIM_LAPSE_YEARS = "claim.jkk.lapse_years"
    # Retention after a record's purpose ends (UU 27/2022 PDP; UU 43/2009 Kearsipan and the regional JRA for the
    # finance and claims records): how long before the retention run anonymises the person (``pdp.retention``).
    RETENTION_NEVER_ENROLLED = "retention.never_enrolled_years"  # years after registration, never proposed
    RETENTION_REJECTED_PROPOSAL = "retention.rejected_proposal_years"  # years after the last rejection
    RETENTION_ENDED_ENROLMENT = "retention.ended_enrolment_years"  # years after the last coverage ended
    RETENTION_INVOICE = "retention.invoice_years"  # years after the programme's last invoice was issued
    RETENTION_CLAIM = "retention.claim_years"  # years after the claim was decided
