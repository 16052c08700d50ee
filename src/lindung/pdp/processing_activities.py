"""The processing activities of the records of processing (UU 27/2022): the only hand-written part of the register.

Each activity says, in its own words, why Lindung processes (``purpose``) and on what ground of the law
(``legal_basis``); everything else the register shows is read from the application by ``pdp.processing_records``:
the data kinds from the fields of ``tables`` (``pdp.personal_data``), the roles and the API clients from the actions
in ``actions`` (``accounts.permissions``), the retention from the rules ``retention`` names in force on the day,
the recipients and the security measures from the settings and the adapters (``recipients``, ``measures``: keys of
``processing_records``' generators).

Legal basis: registration for a government-funded social-security programme is a public task and a legal
obligation, not consent (``shared/domain/PDP.md``); the article numbers are of medium confidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lindung.accounts.permissions import Action
from lindung.rules.keys import Rule


@dataclass(frozen=True)
class Activity:
    key: str
    title: Promise
    purpose: Promise
    legal_basis: Promise
    tables: tuple[str, ...] = ()  # model labels whose personal fields the activity processes
    every_table: bool = False  # processes every table (a backup)
    actions: tuple[Action, ...] = ()  # the roles and API clients granted one of these take part
    public: bool = False  # anyone, signed out
    unattended: bool = False  # the server itself (the nightly run, the command line)
    retention: tuple[Rule | str, ...] = ()  # rules, or keys of a retention read from the settings
    recipients: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()


ACTIVITIES: tuple[Activity, ...] = (
    Activity(
        key="registration",
        title=_("Registration of workers and their heirs"),
        purpose=_(
            "To keep one record per vulnerable worker (by NIK) with the heirs who would receive a benefit, so that "
            "the regional government can protect them under its programme."
        ),
        legal_basis=_(
            "A public task and a legal obligation of the regional government: Inpres 2/2021 on social-security "
            "protection, the regional regulation of the programme; UU 27/2022 Art. 20(2)(d) and (e)."
        ),
        tables=("workers.Worker", "workers.Heir", "imports.ImportBatch"),
        actions=(Action.WORKER_REGISTER, Action.WORKER_EDIT, Action.WORKER_VIEW_NIK, Action.WORKER_EXPORT),
        retention=(Rule.RETENTION_NEVER_ENROLLED,),
        measures=("nik_audit", "downloads", "restriction"),
    ),
    Activity(
        key="proposal",
        title=_("Proposal and verification"),
        purpose=_(
            "To propose a worker for a funded programme and to check that the worker may be covered (age, region, "
            "no other cover, the regency's quota) before anything is sent to BPJS."
        ),
        legal_basis=_(
            "A public task: the programme's regional regulation and its budget (APBD); UU 30/2014 on government "
            "administration for the decision and the objection to it; UU 27/2022 Art. 20(2)(e)."
        ),
        tables=("enrolments.Enrolment",),
        actions=(Action.ENROLMENT_PROPOSE, Action.ENROLMENT_VERIFY),
        retention=(Rule.RETENTION_REJECTED_PROPOSAL,),
        measures=("restriction",),
    ),
    Activity(
        key="bpjs",
        title=_("Exchange with BPJS Ketenagakerjaan"),
        purpose=_(
            "To register the verified workers with BPJS Ketenagakerjaan as members (JKK and JKM) and to record "
            "BPJS's answer: the KPJ number and the start of the cover."
        ),
        legal_basis=_(
            "A legal obligation: UU 24/2011 on BPJS and PP 44/2015 on JKK and JKM require registration with BPJS "
            "Ketenagakerjaan; UU 27/2022 Art. 20(2)(c)."
        ),
        tables=("workers.Worker", "enrolments.Enrolment", "enrolments.BpjsBatch"),
        actions=(Action.ENROLMENT_SEND, Action.ENROLMENT_ACTIVATE, Action.ENROLMENT_END),
        retention=(Rule.RETENTION_ENDED_ENROLMENT,),
        recipients=("bpjs_batch",),
        measures=("batch_file", "downloads"),
    ),
    Activity(
        key="contributions",
        title=_("Contributions and payments"),
        purpose=_(
            "To bill and pay each month's contribution of every covered worker from the regional budget, and to "
            "know who is covered, in arrears or never billed."
        ),
        legal_basis=_(
            "A legal obligation of regional finance: UU 23/2014 and PP 12/2019 on regional finance, the programme's "
            "budget (APBD); UU 27/2022 Art. 20(2)(c)."
        ),
        tables=("contributions.InvoiceLine", "contributions.CoverageStatus"),
        actions=(Action.FINANCE_MANAGE,),
        retention=(Rule.RETENTION_INVOICE,),
        recipients=("bpjs_invoice",),
        measures=("downloads",),
    ),
    Activity(
        key="claims",
        title=_("Claims"),
        purpose=_(
            "To help a worker or the heirs claim the JKK or JKM benefit after an accident or a death: the facts, "
            "the documents, the benefit due and BPJS's decision."
        ),
        legal_basis=_(
            "A legal obligation and the vital interest of the person: PP 44/2015 as amended by PP 82/2019 on the "
            "benefits; UU 27/2022 Art. 20(2)(c) and (d), and Art. 4 for health data."
        ),
        tables=("claims.Claim", "workers.Heir"),
        actions=(Action.CLAIM_REGISTER, Action.CLAIM_PROCESS, Action.CLAIM_SETTLE),
        retention=(Rule.RETENTION_CLAIM,),
        recipients=("bpjs_claim",),
        measures=("downloads",),
    ),
    Activity(
        key="deaths",
        title=_("Death notices from the civil registry (Dukcapil)"),
        purpose=_(
            "To learn of a covered worker's death from the civil registry, so that a person ends the cover and "
            "opens the JKM claim for the heirs without waiting for them to come."
        ),
        legal_basis=_(
            "A public task: UU 23/2006 as amended by UU 24/2013 on population administration and Permendagri "
            "102/2019 on access to population data, under a cooperation agreement (PKS); UU 27/2022 Art. 20(2)(e)."
        ),
        tables=("civil_registry.DeathNotice", "civil_registry.DeathMessage"),
        actions=(Action.DEATH_NOTIFY, Action.CLAIM_REGISTER),
        retention=(Rule.RETENTION_CLAIM,),
        recipients=("dukcapil",),
        measures=("dci_signatures",),
    ),
    Activity(
        key="api",
        title=_("Connected systems (API clients)"),
        purpose=_(
            "To let the regional government's other systems (a village information system, BPJS, the civil "
            "registry) read and write the registry within the scopes they were given, instead of by spreadsheets."
        ),
        legal_basis=_(
            "A public task, within each system's agreement and the scopes registered for it; UU 27/2022 Art. "
            "20(2)(e) and Art. 36 on keeping the data secure when it is shared."
        ),
        tables=("accounts.ApiClient", "accounts.ApiToken"),
        actions=(Action.ACCOUNT_MANAGE,),
        recipients=("api_clients",),
        measures=("api_tokens",),
    ),
    Activity(
        key="dashboards",
        title=_("Dashboards and reports"),
        purpose=_(
            "To give the leadership and the offices the programme's figures (coverage, arrears, budget, claims) "
            "and the reports they must make, by region."
        ),
        legal_basis=_(
            "A public task: accountability of the regional budget and the programme (UU 23/2014); UU 27/2022 "
            "Art. 20(2)(e)."
        ),
        tables=("dashboard.DemographicFigure",),
        actions=(Action.DASHBOARD_VIEW,),
        measures=("downloads",),
    ),
    Activity(
        key="public_check",
        title=_("The public coverage check"),
        purpose=_(
            "To let a worker or a family check, by NIK and date of birth, whether the worker is covered today and "
            "which BPJS office to go to."
        ),
        legal_basis=_(
            "A public task and the person's right to information (UU 14/2008 on public information, UU 27/2022 "
            "Art. 7); nothing beyond the answer is kept."
        ),
        tables=("public.CoverageCheckAttempt",),
        public=True,
        retention=("public_check_window",),
        measures=("public_check",),
    ),
    Activity(
        key="backups",
        title=_("Backups"),
        purpose=_("To restore the registry and its files after a failure, a mistake or an attack."),
        legal_basis=_(
            "The controller's duty to keep personal data secure and available: UU 27/2022 Art. 35 and 39; PP "
            "71/2019 on electronic systems."
        ),
        every_table=True,
        unattended=True,
        retention=("backup_rotation",),
        measures=("backup_encryption",),
    ),
    Activity(
        key="audit",
        title=_("The audit log"),
        purpose=_(
            "To know who saw a whole NIK, changed, exported or downloaded what, when and from which role, for the "
            "person's right of access to the processing trail and for investigating a breach."
        ),
        legal_basis=_(
            "The controller's duty of accountability and security: UU 27/2022 Art. 31 (records of processing) and "
            "Art. 35; PP 71/2019 on electronic systems."
        ),
        tables=("audit.AuditEntry", "accounts.User", "accounts.FailedLogin"),
        actions=(Action.AUDIT_VIEW,),
        measures=("audit_append_only", "nik_audit"),
    ),
    Activity(
        key="retention",
        title=_("The retention run"),
        purpose=_(
            "To end the processing of a person whose records have outlived their purpose: each night the expired "
            "records are anonymised, unless a legal hold keeps them for a dispute."
        ),
        legal_basis=_(
            "UU 27/2022 Art. 16(2) and 43: processing ends when its purpose ends; UU 43/2009 on archives for the "
            "finance and claims records that must be kept."
        ),
        tables=("pdp.LegalHold", "pdp.RetentionCount"),
        actions=(Action.PDP_MANAGE,),
        unattended=True,
        retention=(
            Rule.RETENTION_NEVER_ENROLLED,
            Rule.RETENTION_REJECTED_PROPOSAL,
            Rule.RETENTION_ENDED_ENROLMENT,
            Rule.RETENTION_INVOICE,
            Rule.RETENTION_CLAIM,
        ),
        measures=("nik_hash",),
    ),
    Activity(
        key="requests",
        title=_("Requests of the person"),
        purpose=_(
            "To answer a person who asks to see, correct, restrict or delete their data, or objects, within the "
            "law's 3×24 hours, and to keep what was asked and answered."
        ),
        legal_basis=_("A legal obligation: UU 27/2022 Art. 5–13 (the person's rights) and Art. 32–34."),
        tables=("pdp.PersonRequest",),
        actions=(Action.PDP_MANAGE,),
        measures=("restriction",),
    ),
)
