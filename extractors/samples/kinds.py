"""One builder per contract kind, and the portfolio plan (kind, format, parent) they are called in.

Dates are drawn relative to ``as_of`` so the portfolio always has overdue items, deadlines within 30/60/90
days, later deadlines this year, and renewal notice windows a few months out.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import clauses as cl
from .calendar import add_duration, add_months, next_recurring
from .model import Contract, Ob, Party
from .parties import SIGNATORIES, TITLES
from .writer import Ctx

__all__ = ["Spec", "PLAN", "plan_for", "build_contract", "KIND_PREFIX"]


@dataclass(frozen=True)
class Spec:
    index: int
    kind: str
    fmt: str
    parent: int | None = None  # index of the contract this one hangs off (SOW → MSA, amendment → amended)
    table: bool = False


# kind, format, parent, table — the committed portfolio is the first 36 of these
PLAN: list[tuple[str, str, int | None, bool]] = [
    ("msa", "pdf", None, True), ("sow", "pdf", 0, True), ("sla", "docx", None, True), ("saas", "txt", None, False),
    ("supply", "pdf", None, True), ("consulting", "docx", None, False), ("nda", "txt", None, False),
    ("sow", "docx", None, True), ("msa", "txt", None, False), ("sla", "pdf", None, True), ("license", "pdf", None, False),
    ("maintenance", "docx", None, False), ("lease", "txt", None, False), ("amendment", "pdf", 0, False),
    ("dpa", "txt", None, False), ("distribution", "docx", None, False), ("letter", "txt", None, False),
    ("sow", "pdf", 8, True), ("saas", "docx", None, False), ("services", "pdf", None, False), ("sla", "txt", None, False),
    ("supply", "docx", None, True), ("consulting", "pdf", None, False), ("license", "txt", None, False),
    ("amendment", "docx", 7, False), ("msa", "docx", None, True), ("sow", "txt", 25, False), ("maintenance", "pdf", None, False),
    ("dpa", "pdf", None, False), ("distribution", "txt", None, False), ("nda", "pdf", None, False), ("saas", "pdf", None, True),
    ("lease", "docx", None, False), ("services", "txt", None, False), ("amendment", "txt", 3, False), ("sow", "pdf", 25, True),
]  # fmt: skip

_EXTRA_CYCLE = ["msa", "sow", "sla", "saas", "supply", "consulting", "license", "maintenance", "lease", "dpa",
                "distribution", "services"]

KIND_PREFIX = {
    "msa": "msa", "sow": "sow", "sla": "sla", "saas": "saas", "supply": "supply", "consulting": "consulting",
    "nda": "nda", "license": "license", "maintenance": "maint", "lease": "lease", "amendment": "amend", "dpa": "dpa",
    "distribution": "dist", "letter": "letter", "services": "services",
}  # fmt: skip


def plan_for(count: int) -> list[Spec]:
    """The first ``count`` specs; beyond the fixed plan, standalone kinds cycle through the formats."""
    specs = [Spec(i, k, f, p, t) for i, (k, f, p, t) in enumerate(PLAN[:count])]
    fmts = ["pdf", "docx", "txt", "pdf", "txt", "docx", "pdf", "txt", "docx", "pdf"]
    for i in range(len(PLAN), count):
        j = i - len(PLAN)
        kind = _EXTRA_CYCLE[j % len(_EXTRA_CYCLE)]
        fmt = fmts[j % len(fmts)]
        specs.append(Spec(i, kind, fmt, None, fmt != "txt" and kind in ("msa", "sow", "sla", "supply")))
    return specs


# ----------------------------------------------------------------- helpers


def _party(rng: random.Random, base: tuple[str, str, str, str], role: str) -> Party:
    name, short, desc, address = base
    return Party(name, role, short, desc, address, rng.choice(SIGNATORIES), rng.choice(TITLES))


def _ctx(rng: random.Random, as_of: dt.date, spec: Spec, home: Party, other: Party, eff: dt.date,
         agreement: dt.date | None = None, style: str | None = None) -> Ctx:
    if agreement is None:
        agreement = eff if rng.random() < 0.65 else eff - dt.timedelta(days=rng.randint(1, 12))
    return Ctx(rng, as_of, spec.fmt, home, other, eff, agreement, style)


def _auto_effective(rng: random.Random, as_of: dt.date, initial_months: int, renewal_months: int,
                    notice_days: int, lead: tuple[int, int]) -> dt.date:
    """An effective date whose next non-renewal notice deadline falls ``lead`` days after as_of."""
    deadline = as_of + dt.timedelta(days=rng.randint(*lead))
    term_end = deadline + dt.timedelta(days=notice_days)
    term_end = term_end.replace(day=min(term_end.day, 28))
    k = 0
    eff = add_months(term_end, -initial_months)
    while eff > as_of - dt.timedelta(days=45):
        k += 1
        eff = add_months(term_end, -(initial_months + k * renewal_months))
    if rng.random() < 0.4:
        eff = add_months(eff, -renewal_months)
    return eff


def _renewal_lead(rng: random.Random) -> tuple[int, int]:
    return rng.choices([(90, 200), (20, 89), (201, 320)], [6, 3, 2])[0]


def _money(rng: random.Random, low: int, high: int, step: int = 1000) -> Decimal:
    return Decimal(rng.randrange(low, high, step)).quantize(Decimal("0.01"))


def _finish(c: Ctx, spec: Spec, title: str, contract_type: str, prefix_extra: str = "") -> Contract:
    cid = f"{KIND_PREFIX[spec.kind]}{prefix_extra}-{c.home.short}-{c.other.short}-{c.eff.year}"
    return Contract(cid, spec.kind, contract_type, title, spec.fmt, (c.home, c.other), c.agreement, c.eff,
                    c.w.blocks, c.key, c.sla_terms, None, c.facts)


def _boilerplate(c: Ctx, superseded: bool = False) -> None:
    cl.confidentiality(c)
    cl.indemnity(c)
    cl.extra_boilerplate(c, deliverables=bool(c.facts.get("has_deliverables")))
    old = add_months(c.eff, -12 * c.rng.randint(3, 7)) if superseded else None
    cl.general(c, old)
    cl.signature(c)


# in the order a project produces them; a SOW samples a subset and keeps this order
_DELIVERABLES = [
    "Project Plan", "Current-State Assessment", "Security Architecture Review", "Solution Design Document",
    "Interface Specification", "Data Migration Plan", "Integration Build", "Reporting Dashboard",
    "User Acceptance Test Report", "Training Materials", "Cutover Runbook", "Go-Live Readiness Review", "Final Report",
]  # fmt: skip


# ----------------------------------------------------------------- MSA


def _term(c: Ctx, by_home_p: float = 0.3) -> None:
    """Term clause: auto-renewal (effective date already chosen to hit a lead) or a fixed expiration."""
    if c.facts.get("auto"):
        init_m, ren_m, notice = c.facts["auto"]
        t = cl.term_auto(c, (init_m // 12, "years") if init_m % 12 == 0 and c.rng.random() < 0.7 else (init_m, "months"),
                         ren_m, notice, by_home=c.rng.random() < by_home_p, state_end=c.rng.random() < 0.35)
        c.w.clause(t["first"], t["ob"], caption=c.pick("Term.", "Term and Renewal.", None))
    else:
        exp = c.facts["expiration"]
        cl.term_fixed(c, exp, renewal=c.pick("none", "mutual", "option"))


def _choose_term(rng: random.Random, as_of: dt.date, auto_p: float, age: tuple[int, int],
                 notice_choices: tuple[int, ...] = (60, 90, 90, 120)) -> tuple[dt.date, dict]:
    if rng.random() < auto_p:
        init_m = rng.choice([12, 24, 36])
        notice = rng.choice(notice_choices)
        eff = _auto_effective(rng, as_of, init_m, 12, notice, _renewal_lead(rng))
        return eff, {"auto": (init_m, 12, (notice, "days"))}
    eff = as_of - dt.timedelta(days=rng.randint(*age))
    exp = as_of + dt.timedelta(days=rng.randint(45, 420))
    exp = exp.replace(day=28) if rng.random() < 0.3 else exp
    return eff, {"expiration": exp}


def build_msa(spec: Spec, rng: random.Random, as_of: dt.date, home_b: tuple, other_b: tuple, parent: Contract | None) -> Contract:
    home = _party(rng, home_b, rng.choice(["Client", "Customer", "Company"]))
    other = _party(rng, other_b, rng.choice(["Vendor", "Service Provider", "Contractor", "Supplier"]))
    eff, term = _choose_term(rng, as_of, 0.6, (150, 700))
    c = _ctx(rng, as_of, spec, home, other, eff)
    c.facts.update(term)
    c.facts["has_deliverables"] = True
    title = "Master Services Agreement"
    cl.preamble(c, title)
    cl.recitals(c, "wishes to engage a qualified provider of professional services",
                "is in the business of providing technology implementation and consulting services")
    cl.definitions(c, [("Deliverable", "any report, software, document or other work product that the Vendor delivers under a SOW"
                                       .replace("the Vendor", c.o)),
                       ("SOW", "a statement of work executed by both parties that references this Agreement")])
    c.w.article("Services")
    c.w.clause(f"{c.o} shall perform the services described in each SOW (the \"Services\") in a professional and workmanlike "
               f"manner, using personnel with the skills and experience necessary to perform them.")
    c.w.clause("Each SOW is governed by this Agreement; if a SOW conflicts with this Agreement, this Agreement controls "
               "unless the SOW expressly states otherwise.")
    c.w.article(c.pick("Term and Termination", "Term"))
    _term(c)
    cl.termination(c, dated_window=rng.random() < 0.35)
    c.w.article(c.pick("Fees and Payment", "Compensation"))
    total = _money(rng, 60000, 480000, 5000)
    shares = rng.choice([[30, 40, 30], [25, 25, 50], [20, 30, 30, 20], [40, 60]])
    d1 = c.spread()
    d2 = max(d1, as_of) + dt.timedelta(days=rng.randint(25, 80))
    events = [("delivery of the implementation plan", "date", d1, None),
              ("completion of Phase 1", "phase_completion", None, "Phase 1 completion"),
              ("go-live", "date", d2, None),
              ("final acceptance", "acceptance", None, "Final acceptance")]
    events = (events[: len(shares) - 1] + [events[-1]]) if len(shares) < 4 else events
    form = "table" if spec.table else c.pick("items", "sentence")
    c.facts["payments_ref"] = cl.milestone_payments(c, total, events, shares, form)
    cl.invoice_terms(c)
    c.w.article(c.pick("Deliverables and Acceptance", "Acceptance"))
    cl.acceptance(c)
    if rng.random() < 0.8:
        cl.reporting(c, c.pick("monthly", "quarterly"), c.pick("status report", "service performance report"))
    if rng.random() < 0.7:
        cl.warranty(c, computable=False)
    if rng.random() < 0.7:
        cl.insurance(c)
    if rng.random() < 0.6:
        cl.audit(c)
    _boilerplate(c, superseded=rng.random() < 0.5)
    return _finish(c, spec, title, "Master Services Agreement")


# ----------------------------------------------------------------- SOW


def build_sow(spec: Spec, rng: random.Random, as_of: dt.date, home_b: tuple, other_b: tuple, parent: Contract | None) -> Contract:
    if parent is not None:
        home, other = parent.parties
        msa_date = parent.agreement_date
        sow_no = 1 + sum(1 for _ in parent.facts.get("sows", []))
        parent.facts.setdefault("sows", []).append(spec.index)
        sow_no += 1
    else:
        home = _party(rng, home_b, rng.choice(["Client", "Customer"]))
        other = _party(rng, other_b, rng.choice(["Vendor", "Consultant", "Contractor"]))
        msa_date = as_of - dt.timedelta(days=rng.randint(400, 1500))
        sow_no = rng.randint(2, 6)
    eff = as_of - dt.timedelta(days=rng.randint(14, 110))
    c = _ctx(rng, as_of, spec, home, other, eff, style=rng.choice(["decimal", "flat"]))
    title = f"Statement of Work No. {sow_no}"
    cl.preamble(c, title, "SOW", under=f"Master Services Agreement dated {c.date(msa_date)} between the parties (the \"MSA\")")
    c.w.para("This SOW is governed by the MSA. Capitalized terms used but not defined in this SOW have the meanings given in the MSA.")
    c.w.article("Scope of Services")
    project = c.pick("the migration of the Client's order management system to a cloud platform",
                     "the implementation of a new enterprise data warehouse", "a redesign of the customer self-service portal",
                     "the consolidation of regional payroll systems")
    c.w.clause(f"{c.o} will provide the professional services necessary to complete {project.replace('the Client', c.h)} "
               f"(the \"Project\"). Work outside this scope requires a written change order.")
    # deliverables
    names = sorted(rng.sample(_DELIVERABLES, rng.randint(4, 6)), key=_DELIVERABLES.index)
    dels: list[tuple[str, Any, str, Any, str | None]] = []  # name, due date, kind, (amount, unit), predecessor
    n1 = rng.choice([15, 30, 45])
    d1 = add_duration(eff, n1, "days")
    dels.append((names[0], d1, "relative", (n1, "days"), None))
    cursor = max(as_of - dt.timedelta(days=rng.randint(5, 40)), d1 + dt.timedelta(days=10))
    cond_at = rng.randint(2, len(names) - 1)
    for i, name in enumerate(names[1:], start=1):
        if i == cond_at:
            dels.append((name, None, "conditional", (rng.choice([2, 3, 4]), "weeks"), names[i - 1]))
            continue
        cursor = cursor + dt.timedelta(days=rng.randint(14, 55))
        while cursor.weekday() >= 5:
            cursor += dt.timedelta(days=1)
        dels.append((name, cursor, "absolute", None, None))
    c.w.article(c.pick("Deliverables and Delivery Schedule", "Deliverables"))
    facts = []
    if spec.table:
        ref = c.w.clause(f"{c.o} shall deliver each Deliverable listed in the following table by the date stated for it.",
                         caption=c.pick("Delivery Schedule.", None))
        rows, row_obs = [], []
        for i, (name, due, kind, rel, dep) in enumerate(dels, start=1):
            if kind == "absolute":
                when, rule = c.date(due), c.absolute(due)
            elif kind == "relative":
                when, rule = f"Within {rel[0]} days after the Effective Date", c.relative(rel[0], rel[1], "within", "effective_date")
            else:
                when, rule = f"{rel[0]} weeks after approval of D{i - 1}", c.relative(rel[0], rel[1], "after", "acceptance")
            rows.append([f"D{i}", name, when])
            row_obs.append([c.ob("", "delivery", f"{name} delivery", c.O, due, rule, deliverable=name,
                                 depends_on=f"{dep} approval" if dep else None,
                                 condition=f"after {c.h}'s written approval of the {dep}" if dep else None)])
            facts.append((name, due, kind, ref))
        c.w.table(["No.", "Deliverable", "Due Date"], rows, row_obs, ref, widths=[0.6, 3.4, 3.0])
    else:
        items = []
        for name, due, kind, rel, dep in dels:
            if kind == "absolute":
                text = c.pick(f"{c.o} shall deliver the {name} no later than {c.date(due)}.",
                              f"The {name} is due on or before {c.date(due)}.",
                              f"{c.o} will complete and deliver the {name} by {c.date(due)}.")
                rule = c.absolute(due)
            elif kind == "relative":
                text = c.pick(f"{c.o} shall deliver the {name} within {c.dur(rel[0], 'days')} after the Effective Date.",
                              f"Within {c.dur(rel[0], 'days')} following the Effective Date, {c.o} shall provide the {name}.")
                rule = c.relative(rel[0], "days", "within", "effective_date")
            else:
                text = (f"{c.o} shall deliver the {name} {c.dur(rel[0], 'weeks')} after {c.h}'s written approval of the {dep}.")
                rule = c.relative(rel[0], "weeks", "after", "acceptance")
            items.append([c.ob(text, "delivery", f"{name} delivery", c.O, due, rule, deliverable=name,
                               depends_on=f"{dep} approval" if dep else None,
                               condition=f"after {c.h}'s written approval of the {dep}" if dep else None)])
        ref = c.w.items([f"{c.o} shall provide the following deliverables (each, a \"Deliverable\"):"], items,
                        caption=c.pick("Deliverables.", None))
        for i, (name, due, kind, _, _) in enumerate(dels):
            facts.append((name, due, kind, f"{ref}({chr(ord('a') + i)})"))
    c.facts["deliverables"] = facts
    # phases
    c.w.article(c.pick("Phases", "Project Phases"))
    n = rng.choice([45, 60, 90])
    c.w.clause("The Project is performed in two phases. Phase 1 covers discovery and design; Phase 2 covers build, testing "
               "and deployment.",
               c.pick(f"Phase 2 begins upon {c.h}'s written approval of the Phase 1 Deliverables.",
                      f"{c.o} shall not start Phase 2 until {c.h} has approved the Phase 1 Deliverables in writing."),
               c.ob(c.pick(f"{c.o} shall complete Phase 2 within {c.dur(n, 'days')} after {c.h}'s written approval of the Phase 1 Deliverables.",
                           f"Phase 2 shall be completed no later than {c.dur(n, 'days')} following {c.h}'s approval of Phase 1."),
                    "delivery", "Phase 2 completion", c.O, None, c.relative(n, "days", "within", "phase_completion"),
                    deliverable="Phase 2", depends_on="Phase 1 approval", condition="starts when Phase 1 Deliverables are approved"))
    c.w.article("Acceptance")
    cl.acceptance(c)
    c.w.article(c.pick("Fees", "Fees and Payment"))
    total = _money(rng, 40000, 260000, 2500)
    shares = rng.choice([[30, 40, 30], [25, 50, 25], [50, 50], [20, 40, 40]])
    events = [("signing of this SOW", "signing", c.agreement, None),
              ("completion of Phase 1", "phase_completion", None, "Phase 1 completion"),
              ("final acceptance", "acceptance", None, "Final acceptance")]
    if len(shares) == 2:
        events = [events[0], events[2]]
    cl.milestone_payments(c, total, events, shares, c.pick("items", "sentence") if not spec.table or rng.random() < 0.5 else "table")
    if rng.random() < 0.5:
        pay_text = f"Each milestone payment is due thirty (30) days after {c.h}'s acceptance of the corresponding milestone."
        pay_rule = c.relative(30, "days", "after", "acceptance")
    else:
        n = rng.choice([15, 30])
        pay_text = f"{c.h} shall pay each milestone invoice within {c.dur(n, 'days')} after acceptance of the related milestone."
        pay_rule = c.relative(n, "days", "within", "acceptance")
    c.w.clause(c.ob(pay_text, "payment", "Milestone invoice payment", c.H, None, pay_rule,
                    condition="after acceptance of each milestone"))
    c.w.article(c.pick("Project Management", "Governance"))
    c.w.clause("The parties' project managers shall meet weekly to review progress, risks and open issues.")
    cl.reporting(c, "monthly", "project status report")
    c.w.article("Term of this SOW")
    last = max(d[1] for d in dels if d[1])
    exp = last + dt.timedelta(days=rng.randint(30, 75))
    cl.term_fixed(c, exp, renewal="none")
    cl.signature(c)
    c.facts["msa_date"] = msa_date
    return _finish(c, spec, title, "Statement of Work", prefix_extra=str(sow_no))


# ----------------------------------------------------------------- SLA


def build_sla(spec: Spec, rng: random.Random, as_of: dt.date, home_b: tuple, other_b: tuple, parent: Contract | None) -> Contract:
    home = _party(rng, home_b, "Customer")
    other = _party(rng, other_b, rng.choice(["Provider", "Service Provider"]))
    eff, term = _choose_term(rng, as_of, 0.7, (120, 600))
    c = _ctx(rng, as_of, spec, home, other, eff)
    c.facts.update(term)
    title = "Service Level Agreement"
    hosting_date = eff - dt.timedelta(days=rng.randint(0, 40))
    cl.preamble(c, title, "SLA")
    c.w.para(f"This SLA supplements the Hosting Services Agreement between the parties dated {c.date(hosting_date)} "
             f"(the \"Hosting Agreement\") and describes the service levels for the hosted services (the \"Services\").")
    cl.definitions(c, [("Downtime", "any period during which the Services are unavailable to Customer, excluding Scheduled Maintenance"),
                       ("Monthly Uptime Percentage", "the total minutes in a calendar month minus Downtime minutes, divided by the "
                                                     "total minutes in that month"),
                       ("Scheduled Maintenance", "maintenance announced in advance in accordance with this SLA")])
    uptime = rng.choice(["99.9", "99.95", "99.5", "99.9"])
    c.w.article(c.pick("Service Availability", "Availability"))
    due_month_end = next_recurring(as_of, "monthly", after_period_end=(0, "days"), not_before=eff)
    c.w.clause(c.ob(c.pick(f"{c.o} shall make the Services available with a Monthly Uptime Percentage of at least {uptime}% in each calendar month.",
                           f"The Services will achieve a Monthly Uptime Percentage of no less than {uptime}% during each calendar month."),
                    "sla", "Monthly uptime commitment", c.O, due_month_end, c.recurring(None, None, "on", "month_end", "monthly"),
                    recurrence="monthly", percentage=uptime))
    hours_notice = rng.choice([48, 72])
    c.w.clause(c.ob(f"{c.o} shall notify {c.h} of Scheduled Maintenance at least {c.dur(hours_notice, 'hours')} in advance.",
                    "sla", "Scheduled maintenance notice", c.O, None, c.relative(hours_notice, "hours", "before", "scheduled_maintenance"),
                    condition="before each Scheduled Maintenance window"),
               "Scheduled Maintenance shall not exceed eight (8) hours in any calendar month.")
    # priorities
    prio = [("Priority 1", "Critical", rng.choice([1, 1, 2]), rng.choice([4, 8])),
            ("Priority 2", "High", rng.choice([2, 4]), rng.choice([12, 24])),
            ("Priority 3", "Medium", rng.choice([8, 12]), rng.choice([48, 72])),
            ("Priority 4", "Low", 24, rng.choice([120, 168]))]
    c.w.article(c.pick("Support Response and Resolution", "Incident Response"))
    if spec.table:
        ref = c.w.clause(f"{c.o} shall respond to and resolve Incidents reported by {c.h} within the times set out below, measured "
                         f"from the time the Incident is reported.")
        rows, row_obs = [], []
        for p, label, resp, res in prio:
            rows.append([f"{p} ({label})", f"{resp} hour{'s' if resp != 1 else ''}", f"{res} hours"])
            row_obs.append([
                c.ob("", "sla", f"{p} response", c.O, None, c.relative(resp, "hours", "within", "incident_report"),
                     condition=f"for each {p} Incident"),
                c.ob("", "sla", f"{p} resolution", c.O, None, c.relative(res, "hours", "within", "incident_report"),
                     condition=f"for each {p} Incident")])
        c.w.table(["Priority", "Response Time", "Resolution Time"], rows, row_obs, ref, widths=[2.6, 2.0, 2.0])
    else:
        items = []
        for p, label, resp, res in prio:
            text = (f"{p} ({label}) Incidents: {c.o} shall respond within {c.dur(resp, 'hours')} and resolve the Incident "
                    f"within {c.dur(res, 'hours')}.")
            first = c.ob(text, "sla", f"{p} response", c.O, None, c.relative(resp, "hours", "within", "incident_report"),
                         condition=f"for each {p} Incident")
            first.also = [c.ob(text, "sla", f"{p} resolution", c.O, None, c.relative(res, "hours", "within", "incident_report"),
                               condition=f"for each {p} Incident")]
            items.append([first])
        c.w.items([f"{c.o} shall meet the following response and resolution times, measured from the time {c.h} reports the Incident:"],
                  items)
    # credits
    c.w.article("Service Credits")
    tiers = [(uptime, rng.choice(["99.0", "99.5"]) if uptime != "99.5" else "99.0", rng.choice([5, 10])),
             (None, None, rng.choice([15, 20])), (None, "95.0", rng.choice([25, 30]))]
    lo1 = tiers[0][1]
    credit_rows = [[f"Below {uptime}% but at least {lo1}%", f"{tiers[0][2]}%"],
                   [f"Below {lo1}% but at least 95.0%", f"{tiers[1][2]}%"],
                   ["Below 95.0%", f"{tiers[2][2]}%"]]
    c.w.clause(f"If the Monthly Uptime Percentage falls below the commitment, {c.h} is entitled to a credit against the monthly "
               f"fees for the affected month as follows:")
    for label, pct in credit_rows:
        c.w.para(f"{label}: {pct} of the monthly fees.", indent=1)
    n = rng.choice([15, 30, 60])
    c.w.clause(c.ob(c.pick(f"{c.h} must request a Service Credit in writing within {c.dur(n, 'days')} after the end of the month in "
                           f"which the Downtime occurred.",
                           f"To receive a Service Credit, {c.h} shall submit a claim no later than {c.dur(n, 'days')} following the "
                           f"end of the affected calendar month."),
                    "sla", "Service credit claim", c.H, None, c.relative(n, "days", "within", "month_end"),
                    condition="only for a month in which the uptime commitment was missed"),
               "Service Credits are Customer's sole remedy for Downtime.".replace("Customer", c.h))
    c.w.article("Reporting")
    cl.reporting(c, "monthly", c.pick("SLA performance report", "service level report"))
    c.w.article("Term")
    _term(c)
    cl.extra_boilerplate(c, deliverables=False)
    cl.general(c, None)
    cl.signature(c)
    c.sla_terms = {
        "uptime_target": uptime,
        "measurement_period": "monthly",
        "priorities": [{"priority": p, "label": label, "response_hours": resp, "resolution_hours": res}
                       for p, label, resp, res in prio],
        "service_credits": [{"uptime_below": uptime, "uptime_at_least": lo1, "credit_percent": str(tiers[0][2])},
                            {"uptime_below": lo1, "uptime_at_least": "95.0", "credit_percent": str(tiers[1][2])},
                            {"uptime_below": "95.0", "uptime_at_least": None, "credit_percent": str(tiers[2][2])}],
        "credit_claim_days": n,
    }
    return _finish(c, spec, title, "Service Level Agreement")


# ----------------------------------------------------------------- SaaS subscription


def build_saas(spec: Spec, rng: random.Random, as_of: dt.date, home_b: tuple, other_b: tuple, parent: Contract | None) -> Contract:
    home = _party(rng, home_b, rng.choice(["Customer", "Subscriber"]))
    other = _party(rng, other_b, rng.choice(["Provider", "Company", "Licensor"]))
    init_m = rng.choice([12, 24, 36])
    notice = rng.choice([30, 60, 90])
    eff = _auto_effective(rng, as_of, init_m, 12, notice, _renewal_lead(rng))
    c = _ctx(rng, as_of, spec, home, other, eff)
    c.facts["auto"] = (init_m, 12, (notice, "days"))
    title = c.pick("Software as a Service Subscription Agreement", "Cloud Services Subscription Agreement", "SaaS Agreement")
    cl.preamble(c, title)
    cl.recitals(c, "wishes to subscribe to the Provider's hosted software".replace("the Provider", c.o),
                "offers a hosted software platform on a subscription basis")
    c.w.article(c.pick("Subscription", "Access to the Service"))
    users = rng.choice([50, 100, 250, 500])
    c.w.clause(f"Subject to this Agreement, {c.o} grants {c.h} a non-exclusive, non-transferable right to access and use the "
               f"Service for up to {users} named users during the Subscription Term.")
    c.w.clause(f"{c.o} shall make the Service available in accordance with the service level commitments published on its "
               f"website, which may be updated from time to time but not so as to materially reduce them.")
    c.w.article(c.pick("Fees", "Fees and Payment"))
    fee = _money(rng, 24000, 240000, 1200)
    if spec.table:
        ref = c.w.clause("The subscription fees are set out in the following fee schedule.")
        nxt = next_recurring(as_of, "annually", anniversary_of=eff)
        rows = [["Platform subscription", f"{users} users", f"${fee:,.2f}", "Annually in advance on each anniversary of the Effective Date"],
                ["Implementation services", "one-time", f"${(fee / 4).quantize(Decimal('0.01')):,.2f}", "Upon signing of this Agreement"]]
        row_obs = [[c.ob("", "payment", "Annual subscription fee payment", c.H, nxt,
                         c.recurring(None, None, "on", "effective_date", "annually"), recurrence="annually", amount=fee,
                         currency="USD")],
                   [c.ob("", "payment", "Implementation fee payment", c.H, c.agreement,
                         c.relative(None, None, "on", "signing"), amount=(fee / 4).quantize(Decimal("0.01")), currency="USD")]]
        c.w.table(["Item", "Quantity", "Fee", "Payment Due"], rows, row_obs, ref, widths=[2.2, 1.1, 1.3, 3.4])
    else:
        cl.recurring_fee(c, fee, "annually", c.pick("Subscription Fee", "subscription fee"))
    cl.invoice_terms(c)
    inc_n = rng.choice([45, 60, 90])
    c.w.clause(c.ob(f"{c.o} may increase the fees for any Renewal Term by giving {c.h} written notice of the increase at least "
                    f"{c.dur(inc_n, 'days')} before the start of that Renewal Term.", "other", "Price increase notice deadline",
                    c.O, None, c.relative(inc_n, "days", "before", "expiration_date"),
                    condition="only if Provider intends to raise fees for the next Renewal Term".replace("Provider", c.o)),
               caption=c.pick("Price Changes.", None))
    c.w.article(c.pick("Term and Termination", "Subscription Term"))
    _term(c, by_home_p=0.4)
    # price increase deadline: relative to the same term end as the renewal notice
    ren = c.facts["renewal_ob"]
    term_end = dt.date.fromisoformat(ren.condition.rsplit(" ", 1)[1])
    inc_ob = next(o for b in c.w.blocks if hasattr(b, "sentences") for o in b.sentences
                  if isinstance(o, Ob) and o.milestone_name == "Price increase notice deadline")
    inc_ob.due_date = add_duration(term_end, inc_n, "days", -1)
    if inc_ob.due_date < as_of:
        inc_ob.due_date = add_duration(add_months(term_end, 12), inc_n, "days", -1)
    c.w.clause(f"Either party may terminate this Agreement if the other party materially breaches it and does not cure the breach "
               f"within {c.dur(30, 'days')} after written notice.")
    n = rng.choice([30, 60])
    c.w.clause(c.ob(c.pick(f"Within {c.dur(n, 'days')} after termination or expiration, {c.o} shall make {c.h} data available for "
                           f"export and shall then delete it from its systems.",
                           f"{c.o} shall return or delete all {c.h} data no later than {c.dur(n, 'days')} following the end of "
                           f"the Subscription Term."),
                    "compliance", "Customer data return and deletion".replace("Customer", c.h), c.O, None,
                    c.relative(n, "days", "within", "termination"), condition="after termination or expiration"))
    cl.security(c, soc2=rng.random() < 0.8, breach=True)
    if rng.random() < 0.5:
        c.w.article("Warranty")
        cl.warranty(c, computable=True)
    _boilerplate(c)
    return _finish(c, spec, title, "SaaS Subscription Agreement")


# ----------------------------------------------------------------- supply


def build_supply(spec: Spec, rng: random.Random, as_of: dt.date, home_b: tuple, other_b: tuple, parent: Contract | None) -> Contract:
    home = _party(rng, home_b, rng.choice(["Buyer", "Purchaser"]))
    other = _party(rng, other_b, "Supplier")
    eff, term = _choose_term(rng, as_of, 0.3, (60, 500))
    c = _ctx(rng, as_of, spec, home, other, eff)
    c.facts.update(term)
    title = c.pick("Supply Agreement", "Product Supply Agreement")
    cl.preamble(c, title)
    cl.recitals(c, "wishes to purchase certain products for use in its operations",
                "manufactures and sells the products described in this Agreement")
    product = c.pick("insulated shipping containers", "thermal label printers", "custom corrugated packaging",
                     "stainless steel shelving units", "replacement filter cartridges")
    c.w.article(c.pick("Products and Delivery", "Supply of Products"))
    c.w.clause(f"{c.o} shall manufacture and sell to {c.h}, and {c.h} shall purchase, the {product} described in Schedule A "
               f"(the \"Products\") in the quantities and on the dates set out below.")
    shipments = rng.randint(3, 5)
    cursor = as_of - dt.timedelta(days=rng.randint(10, 45))
    price = Decimal(rng.choice(["18.50", "42.00", "129.95", "7.25", "315.00"]))
    rows, row_obs = [], []
    items = []
    for i in range(1, shipments + 1):
        cursor += dt.timedelta(days=rng.randint(21, 60))
        while cursor.weekday() >= 5:
            cursor += dt.timedelta(days=1)
        qty = rng.choice([500, 1000, 1500, 2500, 4000])
        label = f"Shipment {i}"
        if spec.table:
            rows.append([label, f"{qty:,} units", c.date(cursor), "FCA Supplier facility"])
            row_obs.append([c.ob("", "delivery", f"{label} delivery", c.O, cursor, c.absolute(cursor),
                                 deliverable=f"{qty:,} units of {product}")])
        else:
            text = c.pick(f"{label}: {c.o} shall deliver {qty:,} units no later than {c.date(cursor)}.",
                          f"{label} of {qty:,} units shall be delivered on or before {c.date(cursor)}.")
            items.append([c.ob(text, "delivery", f"{label} delivery", c.O, cursor, c.absolute(cursor),
                               deliverable=f"{qty:,} units of {product}")])
    if spec.table and c.xrng.random() < 0.5:
        c.w.clause(f"{c.o} shall deliver the Products on the dates and in the quantities set out in Schedule A.",
                   caption=c.pick("Delivery Schedule.", None))
        c.w.table(["Shipment", "Quantity", "Delivery Date", "Delivery Point"], rows, row_obs, "Schedule A",
                  widths=[1.4, 1.4, 2.0, 2.4])
        c.facts["schedule"] = c.w.blocks.pop()
    elif spec.table:
        ref = c.w.clause(f"{c.o} shall deliver the Products according to the following delivery schedule.",
                         caption=c.pick("Delivery Schedule.", None))
        c.w.table(["Shipment", "Quantity", "Delivery Date", "Delivery Point"], rows, row_obs, ref, widths=[1.4, 1.4, 2.0, 2.4])
    else:
        c.w.items([f"{c.o} shall deliver the Products in the following shipments:"], items)
    n = rng.choice([5, 10])
    c.w.clause(c.ob(f"{c.h} shall inspect each shipment and notify {c.o} of any nonconforming Products within "
                    f"{c.dur(n, 'business_days')} after delivery.", "acceptance", "Shipment inspection and rejection notice",
                    c.H, None, c.relative(n, "business_days", "within", "delivery"), condition="for each shipment"),
               "Products not rejected within that period are deemed accepted.", caption=c.pick("Inspection.", None))
    c.w.clause(c.ob(f"{c.h} shall provide {c.o} with a rolling six-month forecast no later than the fifth (5th) business day of "
                    f"each calendar month.", "reporting", "Monthly rolling forecast", c.H,
                    next_recurring(as_of, "monthly", after_period_end=(5, "business_days"), not_before=eff),
                    c.recurring(5, "business_days", "within", "month_end", "monthly"), recurrence="monthly",
                    deliverable="rolling six-month forecast"),
               "Forecasts are for planning purposes only and are not binding purchase commitments.",
               caption=c.pick("Forecasts.", None))
    c.w.article(c.pick("Price and Payment", "Pricing"))
    c.w.clause(f"The price for the Products is {c.money(price)} per unit, exclusive of applicable taxes.")
    cl.invoice_terms(c)
    c.w.article("Warranty")
    n_w = rng.choice([12, 18, 24])
    c.w.clause(c.ob(f"{c.o} warrants that the Products will be free from defects in materials and workmanship for "
                    f"{c.dur(n_w, 'months')} after delivery.", "warranty", "Product warranty period", c.O, None,
                    c.relative(n_w, "months", "after", "delivery"), condition="runs from delivery of each shipment"))
    c.w.article(c.pick("Term", "Term and Termination"))
    _term(c)
    cl.insurance(c)
    if rng.random() < 0.7:
        cl.audit(c, annual_report=rng.random() < 0.6)
    if rng.random() < 0.5:
        c.w.article("Compliance")
        c.w.clause(c.ob(f"{c.o} shall certify to {c.h} in writing its compliance with {c.h}'s Supplier Code of Conduct within "
                        f"{c.dur(31, 'days')} after the end of each calendar year.", "compliance", "Annual code of conduct certification",
                        c.O, next_recurring(as_of, "annually", after_period_end=(31, "days"), not_before=eff),
                        c.recurring(31, "days", "within", "year_end", "annually"), recurrence="annually",
                        deliverable="code of conduct certification"))
    _boilerplate(c, superseded=rng.random() < 0.4)
    if "schedule" in c.facts:
        c.w.heading("SCHEDULE A - DELIVERY SCHEDULE", 2)
        c.w.para(f"Product: {product}. Unit price: {c.money(price)}. All shipments FCA {c.o}'s facility (Incoterms 2020).")
        c.w.blocks.append(c.facts.pop("schedule"))
    return _finish(c, spec, title, "Supply Agreement")


# ----------------------------------------------------------------- consulting


def build_consulting(spec: Spec, rng: random.Random, as_of: dt.date, home_b: tuple, other_b: tuple, parent: Contract | None) -> Contract:
    home = _party(rng, home_b, "Company")
    other = _party(rng, other_b, "Consultant")
    eff = as_of - dt.timedelta(days=rng.randint(30, 200))
    c = _ctx(rng, as_of, spec, home, other, eff)
    exp = as_of + dt.timedelta(days=rng.randint(60, 300))
    title = c.pick("Consulting Agreement", "Independent Consultant Agreement")
    c.facts["has_deliverables"] = True
    cl.preamble(c, title)
    cl.recitals(c, "requires advice on its procurement and supply chain operations",
                "has expertise in operations consulting and is willing to provide such advice")
    c.w.article("Services")
    c.w.clause(f"{c.o} shall provide the consulting services described in Exhibit A (the \"Services\") as an independent "
               f"contractor and not as an employee of {c.h}.")
    n1 = rng.choice([30, 45, 60])
    d1 = add_duration(eff, n1, "days")
    final = c.spread() if rng.random() < 0.5 else as_of + dt.timedelta(days=rng.randint(20, 150))
    final = min(final, exp - dt.timedelta(days=7))
    final_text, final_rule = c.pick((f"{c.o} shall deliver the final report no later than {c.date(final)}.", c.absolute(final)),
                                    (f"The final written report is due on {c.date(final)}.", c.absolute(final, "on")))
    c.w.clause(c.ob(c.pick(f"{c.o} shall deliver a written summary of interim findings within {c.dur(n1, 'days')} after the Effective Date.",
                           f"Within {c.dur(n1, 'days')} after the Effective Date, {c.o} will present its interim findings to {c.h}."),
                    "delivery", "Interim findings", c.O, d1, c.relative(n1, "days", "within", "effective_date"),
                    deliverable="interim findings summary"),
               c.ob(final_text, "delivery", "Final report", c.O, final, final_rule, deliverable="final report"),
               caption=c.pick("Deliverables.", None))
    c.w.article("Compensation")
    rate = Decimal(rng.choice([175, 210, 250, 295]))
    cap = _money(rng, 40000, 150000, 5000)
    c.w.clause(f"{c.h} shall pay {c.o} {c.money(rate)} per hour, not to exceed {c.money(cap)} in total without {c.h}'s prior "
               f"written approval.")
    n = rng.choice([5, 10])
    c.w.clause(c.ob(f"{c.o} shall submit an invoice with detailed time records within {c.dur(n, 'days')} after the end of each calendar month.",
                    "reporting", "Monthly invoice and time records", c.O,
                    next_recurring(as_of, "monthly", after_period_end=(n, "days"), not_before=eff),
                    c.recurring(n, "days", "within", "month_end", "monthly"), recurrence="monthly",
                    deliverable="invoice with time records"))
    cl.invoice_terms(c)
    c.w.article("Term and Termination")
    cl.term_fixed(c, exp, renewal=c.pick("none", "mutual"))
    cl.termination(c)
    c.w.article("Restrictive Covenants")
    c.w.clause(f"During the term and for twelve (12) months after it ends, {c.o} shall not solicit any employee of {c.h} "
               f"with whom {c.o} had contact in performing the Services.")
    _boilerplate(c)
    return _finish(c, spec, title, "Consulting Agreement")


# ----------------------------------------------------------------- license


def build_license(spec: Spec, rng: random.Random, as_of: dt.date, home_b: tuple, other_b: tuple, parent: Contract | None) -> Contract:
    home = _party(rng, home_b, "Licensee")
    other = _party(rng, other_b, "Licensor")
    eff = as_of - dt.timedelta(days=rng.randint(60, 400))
    c = _ctx(rng, as_of, spec, home, other, eff)
    title = c.pick("Software License Agreement", "Enterprise Software License and Support Agreement")
    cl.preamble(c, title)
    cl.recitals(c, "wishes to license the Software for use in its business", "owns the software product known as "
                + c.pick("LedgerSync", "RouteWise", "ClaimPilot", "StockSense") + " (the \"Software\")")
    c.w.article("License Grant")
    seats = rng.choice([100, 200, 500])
    c.w.clause(f"{c.o} grants {c.h} a perpetual, non-exclusive, non-transferable license to install and use the Software for "
               f"up to {seats} concurrent users for {c.h}'s internal business purposes.")
    opt_date = c.target(25, 200)
    more = rng.choice([50, 100, 250])
    c.w.clause(c.ob(c.pick(f"{c.h} may purchase licenses for up to {more} additional users at the prices in Exhibit B by giving "
                           f"{c.o} written notice on or before {c.date(opt_date)}.",
                           f"The option to acquire up to {more} additional user licenses at the Exhibit B prices must be exercised "
                           f"by {c.h} in writing no later than {c.date(opt_date)}."),
                    "option_exercise", "Additional licenses option deadline", c.H, opt_date, c.absolute(opt_date),
                    condition="only if Licensee wants the additional licenses".replace("Licensee", c.h)),
               caption=c.pick("Option for Additional Licenses.", None))
    c.w.article(c.pick("Fees", "License Fees"))
    total = _money(rng, 90000, 600000, 10000)
    shares = rng.choice([[50, 50], [40, 30, 30], [34, 33, 33]])
    dates = sorted({c.spread() for _ in shares})
    while len(dates) < len(shares):
        dates.append(dates[-1] + dt.timedelta(days=91))
    events = [(f"installment {i + 1}", "date", d, None) for i, d in enumerate(dates)]
    cl.milestone_payments(c, total, events, shares, c.pick("items", "sentence"))
    support = (total * Decimal("0.18")).quantize(Decimal("0.01"))
    cl.recurring_fee(c, support, "annually", "support and maintenance fee")
    cl.invoice_terms(c)
    c.w.article("Usage Reports and Audit")
    n = rng.choice([30, 45])
    c.w.clause(c.ob(f"{c.h} shall deliver to {c.o} a report of the number of users of the Software within {c.dur(n, 'days')} after "
                    f"each anniversary of the Effective Date.", "reporting", "Annual license usage report", c.H,
                    next_recurring(as_of, "annually", anniversary_of=add_duration(eff, n, "days")),
                    c.recurring(n, "days", "within", "effective_date", "annually"), recurrence="annually",
                    deliverable="license usage report"))
    m = rng.choice([10, 15, 20])
    c.w.clause(f"{c.o} may audit {c.h}'s use of the Software once in any twelve (12) month period.",
               c.ob(f"{c.h} shall provide the records reasonably requested for such an audit within {c.dur(m, 'business_days')} "
                    f"after {c.o}'s written request.", "audit", "License audit records", c.H, None,
                    c.relative(m, "business_days", "within", "written_request"), condition="only after a written audit request"))
    c.w.article("Warranty")
    cl.warranty(c, computable=True)
    c.w.article("Term")
    eff_exp_auto = rng.random() < 0.5
    if eff_exp_auto:
        # support term renews annually: the effective date is fixed, so compute the next notice deadline forward
        notice = rng.choice([60, 90])
        cl_t = cl.term_auto(c, (1, "years"), 12, (notice, "days"), by_home=True)
        c.w.clause("The license granted in this Agreement is perpetual. Support and maintenance "
                   "commence on the Effective Date and continue for an initial term of one (1) year.", cl_t["ob"])
        c.key["initial_term"] = "P1Y"
    else:
        c.w.clause("The license is perpetual unless terminated for breach. Support and maintenance continue for as long as "
                   f"{c.h} pays the annual support and maintenance fee.")
        c.key.update(expiration_date="perpetual")
    _boilerplate(c)
    return _finish(c, spec, title, "Software License Agreement")


# ----------------------------------------------------------------- maintenance


def build_maintenance(spec: Spec, rng: random.Random, as_of: dt.date, home_b: tuple, other_b: tuple, parent: Contract | None) -> Contract:
    home = _party(rng, home_b, "Customer")
    other = _party(rng, other_b, rng.choice(["Contractor", "Service Provider"]))
    eff, term = _choose_term(rng, as_of, 0.6, (90, 500), (30, 60, 90))
    c = _ctx(rng, as_of, spec, home, other, eff)
    c.facts.update(term)
    equipment = c.pick("HVAC systems", "material handling equipment", "backup generators", "elevators and escalators")
    title = c.pick("Maintenance and Support Agreement", "Equipment Maintenance Agreement")
    cl.preamble(c, title)
    c.w.article("Services")
    c.w.clause(f"{c.o} shall maintain the {equipment} located at {c.h}'s facilities listed in Exhibit A (the \"Equipment\") in good "
               f"working order.")
    c.w.clause(c.ob(c.pick(f"{c.o} shall perform a preventive maintenance inspection of the Equipment at least once during each calendar quarter.",
                           "Preventive maintenance shall be performed on the Equipment no less than once per calendar quarter."),
                    "delivery", "Quarterly preventive maintenance", c.O,
                    next_recurring(as_of, "quarterly", after_period_end=(0, "days"), not_before=eff),
                    c.recurring(None, None, "before", "quarter_end", "quarterly"), recurrence="quarterly",
                    deliverable="preventive maintenance inspection"))
    h1, h2 = rng.choice([(2, 24), (4, 24), (4, 48)])
    text = (f"{c.o} shall respond to an emergency service call within {c.dur(h1, 'hours')} and to any other service call "
            f"within {c.dur(h2, 'hours')} after {c.h} reports it.")
    first = c.ob(text, "sla", "Emergency service call response", c.O, None, c.relative(h1, "hours", "within", "incident_report"),
                 condition="for each emergency service call")
    first.also = [c.ob(text, "sla", "Standard service call response", c.O, None, c.relative(h2, "hours", "within", "incident_report"),
                       condition="for each non-emergency service call")]
    c.w.clause(first, caption=c.pick("Response Times.", None))
    c.w.clause(c.ob(f"{c.o} shall deliver a written maintenance log summarizing all work performed within {c.dur(15, 'days')} "
                    f"after the end of each calendar quarter.", "reporting", "Quarterly maintenance log", c.O,
                    next_recurring(as_of, "quarterly", after_period_end=(15, "days"), not_before=eff),
                    c.recurring(15, "days", "within", "quarter_end", "quarterly"), recurrence="quarterly",
                    deliverable="maintenance log"))
    c.w.article("Fees")
    fee = _money(rng, 18000, 120000, 600)
    freq = c.pick("annually", "quarterly")
    cl.recurring_fee(c, fee if freq == "annually" else (fee / 4).quantize(Decimal("0.01")), freq,
                     c.pick("maintenance fee", "service fee"))
    cl.invoice_terms(c)
    c.w.article("Term")
    _term(c)
    cl.insurance(c)
    _boilerplate(c)
    return _finish(c, spec, title, "Maintenance Agreement")


# ----------------------------------------------------------------- lease


def build_lease(spec: Spec, rng: random.Random, as_of: dt.date, home_b: tuple, other_b: tuple, parent: Contract | None) -> Contract:
    home = _party(rng, home_b, "Lessee")
    other = _party(rng, other_b, "Lessor")
    months = rng.choice([24, 36, 48])
    exp_target = as_of + dt.timedelta(days=rng.randint(100, 380))
    eff = add_months(exp_target.replace(day=1), -months)
    c = _ctx(rng, as_of, spec, home, other, eff)
    exp = add_months(eff, months)
    title = "Equipment Lease Agreement"
    cl.preamble(c, title, "Lease")
    equipment = c.pick("two (2) electric forklifts", "a digital production printer", "twelve (12) refrigerated trailers",
                       "a packaging line conveyor system")
    c.w.article("Lease of Equipment")
    c.w.clause(f"{c.o} leases to {c.h}, and {c.h} leases from {c.o}, {equipment} described in Schedule 1 (the \"Equipment\").")
    c.w.article("Term")
    cl.term_fixed(c, exp, as_duration=(months, "months"), renewal="none")
    c.w.article("Rent")
    rent = _money(rng, 1200, 9800, 50)
    cl.recurring_fee(c, rent, "monthly", "monthly rent")
    c.w.clause("Rent not paid within ten (10) days after its due date bears a late charge of five percent (5%) of the overdue amount.")
    c.w.article(c.pick("Purchase Option", "End of Term Options"))
    n = rng.choice([60, 90, 120])
    c.w.clause(c.ob(c.pick(f"{c.h} may purchase the Equipment at the end of the Lease Term for its then fair market value by giving "
                           f"{c.o} written notice at least {c.dur(n, 'days')} before the end of the Lease Term.",
                           f"To exercise its purchase option, {c.h} must notify {c.o} in writing no later than {c.dur(n, 'days')} "
                           f"prior to the expiration of the Lease Term."),
                    "option_exercise", "Purchase option deadline", c.H, add_duration(exp, n, "days", -1),
                    c.relative(n, "days", "before", "expiration_date"), condition="only if Lessee elects to buy the Equipment"
                    .replace("Lessee", c.h)))
    r = rng.choice([10, 15, 30])
    c.w.clause(c.ob(f"Unless {c.h} purchases the Equipment, {c.h} shall return it to {c.o} at {c.h}'s expense within "
                    f"{c.dur(r, 'days')} after the expiration of the Lease Term.", "other", "Equipment return", c.H,
                    add_duration(exp, r, "days"), c.relative(r, "days", "within", "expiration_date"),
                    condition="unless the purchase option is exercised"))
    c.w.article("Insurance and Maintenance")
    c.w.clause(f"{c.h} shall keep the Equipment in good repair, ordinary wear and tear excepted.")
    n = rng.choice([10, 30])
    due = next_recurring(as_of, "annually", anniversary_of=add_duration(eff, n, "days"))
    c.w.clause(c.ob(f"{c.h} shall insure the Equipment against loss for its full replacement value and deliver a certificate of "
                    f"insurance naming {c.o} as loss payee within {c.dur(n, 'days')} after the Effective Date and annually thereafter.",
                    "insurance", "Certificate of insurance", c.H, due, c.recurring(n, "days", "within", "effective_date", "annually"),
                    recurrence="annually", deliverable="certificate of insurance"))
    cl.extra_boilerplate(c, deliverables=False)
    cl.general(c, None)
    cl.signature(c)
    return _finish(c, spec, title, "Equipment Lease")


# ----------------------------------------------------------------- DPA


def build_dpa(spec: Spec, rng: random.Random, as_of: dt.date, home_b: tuple, other_b: tuple, parent: Contract | None) -> Contract:
    home = _party(rng, home_b, rng.choice(["Customer", "Controller"]))
    other = _party(rng, other_b, "Processor")
    eff = as_of - dt.timedelta(days=rng.randint(60, 700))
    c = _ctx(rng, as_of, spec, home, other, eff)
    title = "Data Processing Agreement"
    principal = eff - dt.timedelta(days=rng.randint(0, 30))
    cl.preamble(c, title, "DPA")
    c.w.para(f"This DPA forms part of the services agreement between the parties dated {c.date(principal)} (the \"Principal "
             f"Agreement\") and applies to Personal Data that {c.o} processes on behalf of {c.h}.")
    cl.definitions(c, [("Personal Data", "any information relating to an identified or identifiable natural person that Processor "
                                         "processes on behalf of the other party".replace("Processor", c.o)),
                       ("Security Incident", "a breach of security leading to the accidental or unlawful destruction, loss, "
                                             "alteration or unauthorized disclosure of, or access to, Personal Data"),
                       ("Subprocessor", "any third party engaged by the Processor to process Personal Data".replace("the Processor", c.o))])
    c.w.article("Processing")
    c.w.clause(f"{c.o} shall process Personal Data only on documented instructions from {c.h}, including with regard to "
               f"transfers to a third country.")
    n = rng.choice([14, 30])
    c.w.clause(c.ob(f"{c.o} shall notify {c.h} of any intended engagement of a new Subprocessor at least {c.dur(n, 'days')} before "
                    f"the Subprocessor begins processing Personal Data.", "compliance", "New subprocessor notice", c.O, None,
                    c.relative(n, "days", "before", "subprocessor_engagement"), condition="only if a new Subprocessor is engaged"))
    cl.security(c, soc2=True, breach=True, hours=72)
    c.w.article(c.pick("Audits", "Audit Rights"))
    m = rng.choice([10, 20, 30])
    c.w.clause(c.ob(f"{c.o} shall make available to {c.h} all information necessary to demonstrate compliance with this DPA within "
                    f"{c.dur(m, 'days')} after {c.h}'s written request.", "audit", "Compliance information on request", c.O, None,
                    c.relative(m, "days", "within", "written_request"), condition="only after a written request"))
    c.w.article(c.pick("Return and Deletion", "Term and Deletion"))
    c.w.clause("This DPA remains in effect for as long as Processor processes Personal Data under the Principal Agreement."
               .replace("Processor", c.o))
    r = rng.choice([30, 60, 90])
    c.w.clause(c.ob(f"Within {c.dur(r, 'days')} after termination of the Principal Agreement, {c.o} shall delete or return all "
                    f"Personal Data and certify the deletion in writing.", "compliance", "Personal data deletion", c.O, None,
                    c.relative(r, "days", "within", "termination"), condition="after termination of the Principal Agreement"))
    cl.extra_boilerplate(c, deliverables=False)
    cl.general(c, None)
    cl.signature(c)
    return _finish(c, spec, title, "Data Processing Agreement")


# ----------------------------------------------------------------- distribution


def build_distribution(spec: Spec, rng: random.Random, as_of: dt.date, home_b: tuple, other_b: tuple, parent: Contract | None) -> Contract:
    home = _party(rng, home_b, "Supplier")
    other = _party(rng, other_b, "Distributor")
    notice = rng.choice([120, 180])
    init_m = rng.choice([24, 36, 60])
    eff = _auto_effective(rng, as_of, init_m, 12, notice, _renewal_lead(rng))
    c = _ctx(rng, as_of, spec, home, other, eff)
    c.facts["auto"] = (init_m, 12, (notice, "days"))
    title = c.pick("Distribution Agreement", "Exclusive Distribution Agreement")
    territory = c.pick("Canada", "the Pacific Northwest region of the United States", "Mexico", "the State of Texas")
    cl.preamble(c, title)
    cl.recitals(c, "manufactures health and wellness products", f"distributes consumer products in {territory}")
    c.w.article("Appointment")
    c.w.clause(f"{c.h} appoints {c.o} as its distributor of the products listed in Exhibit A (the \"Products\") in {territory} "
               f"(the \"Territory\"), and {c.o} accepts the appointment.")
    c.w.article(c.pick("Minimum Purchases", "Purchase Commitment"))
    minimum = _money(rng, 250000, 2000000, 50000)
    c.w.clause(c.ob(f"{c.o} shall purchase Products with an aggregate net invoice value of not less than {c.money(minimum)} during "
                    f"each Contract Year, where each Contract Year ends on an anniversary of the Effective Date.",
                    "other", "Annual minimum purchase commitment", c.O, next_recurring(as_of, "annually", anniversary_of=eff),
                    c.recurring(None, None, "on", "effective_date", "annually"), recurrence="annually", amount=minimum,
                    currency="USD"))
    c.w.article("Orders and Payment")
    cl.invoice_terms(c, payer_home=False)
    c.w.article("Reports")
    cl.reporting(c, "quarterly", c.pick("sales and inventory report", "report of sales by customer and Product"))
    cl.reporting(c, "annually", "marketing plan for the following year")
    c.w.article("Term")
    t = cl.term_auto(c, (init_m // 12, "years"), 12, (notice, "days"), by_home=False)
    c.w.clause(t["first"], t["ob"])
    cl.termination(c)
    _boilerplate(c, superseded=rng.random() < 0.6)
    return _finish(c, spec, title, "Distribution Agreement")


# ----------------------------------------------------------------- services


def build_services(spec: Spec, rng: random.Random, as_of: dt.date, home_b: tuple, other_b: tuple, parent: Contract | None) -> Contract:
    home = _party(rng, home_b, "Client")
    other = _party(rng, other_b, "Contractor")
    eff = as_of - dt.timedelta(days=rng.randint(120, 600))
    c = _ctx(rng, as_of, spec, home, other, eff)
    exp = as_of + dt.timedelta(days=rng.randint(50, 360))
    service = c.pick("janitorial and facilities", "security guard", "landscaping and snow removal", "records storage and shredding")
    title = c.pick("Services Agreement", f"{service.split()[0].title()} Services Agreement")
    cl.preamble(c, title)
    c.w.article("Services")
    c.w.clause(f"{c.o} shall provide {service} services at the {c.h} sites listed in Exhibit A in accordance with the service "
               f"specifications attached to this Agreement.")
    cl.reporting(c, "monthly", "service report")
    c.w.clause(c.ob(f"{c.o} shall complete a safety inspection of each site and deliver the inspection checklist within "
                    f"{c.dur(10, 'business_days')} after the end of each calendar quarter.", "compliance",
                    "Quarterly safety inspection", c.O,
                    next_recurring(as_of, "quarterly", after_period_end=(10, "business_days"), not_before=eff),
                    c.recurring(10, "business_days", "within", "quarter_end", "quarterly"), recurrence="quarterly",
                    deliverable="safety inspection checklist"))
    c.w.article("Fees")
    cl.recurring_fee(c, _money(rng, 4000, 40000, 250), "monthly", "monthly service fee")
    c.w.article("Term and Termination")
    cl.term_fixed(c, exp, renewal=c.pick("mutual", "option"))
    cl.termination(c, dated_window=rng.random() < 0.5)
    cl.insurance(c)
    if rng.random() < 0.6:
        cl.audit(c)
    _boilerplate(c)
    return _finish(c, spec, title, "Services Agreement")


# ----------------------------------------------------------------- NDA and letters (no dated obligations)


def build_nda(spec: Spec, rng: random.Random, as_of: dt.date, home_b: tuple, other_b: tuple, parent: Contract | None) -> Contract:
    home = _party(rng, home_b, home_b[0].split()[0])
    other = _party(rng, other_b, other_b[0].split()[0].rstrip(","))
    eff = as_of - dt.timedelta(days=rng.randint(20, 500))
    c = _ctx(rng, as_of, spec, home, other, eff, agreement=eff, style="flat")
    title = c.pick("Mutual Nondisclosure Agreement", "Mutual Confidentiality Agreement")
    cl.preamble(c, title)
    c.w.para(f"The parties wish to exchange Confidential Information to evaluate a possible business relationship concerning "
             f"{c.pick('a logistics partnership', 'a joint product offering', 'a potential supply arrangement')} (the \"Purpose\").")
    c.w.clause("\"Confidential Information\" means any non-public information disclosed by one party (the \"Discloser\") to the "
               "other party (the \"Recipient\") that is marked confidential or would reasonably be understood to be confidential.",
               caption="Definition.")
    c.w.clause("The Recipient shall use Confidential Information only for the Purpose and shall protect it with at least the "
               "degree of care it uses for its own confidential information, and no less than reasonable care.",
               caption="Obligations.")
    c.w.clause("Confidential Information does not include information that is or becomes public through no fault of the "
               "Recipient, was known to the Recipient before disclosure, or is independently developed.", caption="Exclusions.")
    c.w.clause("Upon the Discloser's request, the Recipient shall promptly return or destroy the Discloser's Confidential "
               "Information.", caption="Return of Information.")
    years = rng.choice([2, 3, 5])
    c.w.clause(f"This Agreement continues until either party terminates it by written notice to the other party. The Recipient's "
               f"obligations survive for {c.dur(years, 'years')} after the date of each disclosure.", caption="Term.")
    c.w.clause("No license under any patent, copyright or other intellectual property right is granted by this Agreement.",
               caption="No License.")
    c.w.clause(f"This Agreement is governed by the laws of the State of {c.pick('Delaware', 'New York', 'Washington')}.",
               caption="Governing Law.")
    cl.signature(c)
    return _finish(c, spec, title, "Nondisclosure Agreement")


def build_letter(spec: Spec, rng: random.Random, as_of: dt.date, home_b: tuple, other_b: tuple, parent: Contract | None) -> Contract:
    home = _party(rng, home_b, home_b[0].split()[0])
    other = _party(rng, other_b, other_b[0].split()[0].rstrip(","))
    date = as_of - dt.timedelta(days=rng.randint(10, 120))
    c = _ctx(rng, as_of, spec, home, other, date, agreement=date, style="flat")
    orig = add_months(date, -12 * rng.randint(2, 6))
    next_year = dt.date(as_of.year + 1, 1, 1)
    title = c.pick("Letter Agreement Regarding Change of Remittance Address", "Letter Agreement Regarding Notice Contacts")
    c.w.title(title)
    c.w.para(c.date(date))
    c.w.para(home.name, home.address)
    c.w.para(f"Re: Supply and Services Agreement dated {c.date(orig)} (the \"Agreement\") between {home.name} "
             f"(\"{home.role}\") and {other.name} (\"{other.role}\")")
    c.w.para(f"Dear {home.signatory}:")
    c.w.para(f"We write to confirm administrative changes under the Agreement. Beginning {c.date(next_year)}, please send all "
             f"payments due under the Agreement to the account listed in the attached instructions, and send notices to "
             f"{other.signatory}, {other.title}, at the address above.")
    c.w.para("Except as described in this letter, the Agreement remains unchanged and in full force and effect. This letter "
             "does not extend the term of the Agreement or change any payment amount or due date.")
    c.w.para("Please countersign below to acknowledge these changes.")
    c.w.para("Sincerely,")
    cl.signature(c)
    return _finish(c, spec, title, "Letter Agreement")


# ----------------------------------------------------------------- amendments


def build_amendment(spec: Spec, rng: random.Random, as_of: dt.date, home_b: tuple, other_b: tuple, parent: Contract | None) -> Contract:
    if parent is None:
        raise ValueError("an amendment needs its parent contract in the portfolio")
    home, other = parent.parties
    date = as_of - dt.timedelta(days=rng.randint(5, 60))
    c = _ctx(rng, as_of, spec, home, other, date, agreement=date, style=rng.choice(["flat", "decimal"]))
    c.key.update({k: None for k in c.key if k not in ("agreement_date", "effective_date")})
    no = 1
    title = f"Amendment No. {no} to the {parent.title}"
    parent_label = parent.title
    parent_short = "SOW" if parent.kind == "sow" else "Agreement"
    c.facts["short"] = "Amendment"
    c.w.title(title)
    c.w.para(f"This Amendment No. {no} (this \"Amendment\") is entered into as of {c.date(date)} by and between "
             f"{home.name} (\"{home.role}\") and {other.name} (\"{other.role}\").")
    c.w.para(f"WHEREAS, the parties entered into the {parent_label} dated {c.date(parent.agreement_date)} (the \"{parent_short}\"); and")
    c.w.para(f"WHEREAS, the parties wish to amend the {parent_short} as set out below.")
    c.w.para("NOW, THEREFORE, the parties agree as follows:")
    c.w.article("Amendments")
    changes = []
    f = parent.facts
    if f.get("deliverables"):
        cands = [d for d in f["deliverables"] if d[2] == "absolute" and d[1] and d[1] >= as_of]
        name, old, _, ref = cands[0] if cands else next(d for d in f["deliverables"] if d[2] == "absolute")
        new = old + dt.timedelta(days=rng.randint(21, 60))
        while new.weekday() >= 5:
            new += dt.timedelta(days=1)
        sec = ref if ref.startswith("Section") else f"Section {ref}"
        c.w.clause(c.ob(f"The due date for the {name} set out in {sec} of the {parent_short} is changed from {c.date(old)} to "
                        f"{c.date(new)}, and {other.role} shall deliver the {name} no later than {c.date(new)}.",
                        "delivery", f"{name} delivery", other.name, new, c.absolute(new), deliverable=name))
        changes.append({"clause_reference": ref, "field": "delivery_due_date", "milestone_name": f"{name} delivery",
                        "from": old.isoformat(), "to": new.isoformat()})
    elif [p for p in f.get("payments", []) if p.rule.kind == "absolute" and p.due_date and p.due_date >= as_of]:
        pay = next(p for p in f["payments"] if p.rule.kind == "absolute" and p.due_date and p.due_date >= as_of)
        old = pay.due_date
        new = old + dt.timedelta(days=rng.randint(30, 75))
        while new.weekday() >= 5:
            new += dt.timedelta(days=1)
        ref = pay.clause_reference
        sec = ref if ref.startswith("Section") else f"Section {ref}"
        label = pay.milestone_name.split(": ", 1)[1]
        c.w.clause(c.ob(f"The installment of ${pay.amount:,.2f} payable upon {label} under {sec} of the {parent_short} shall instead "
                        f"be paid by {home.role} no later than {c.date(new)}.", "payment", pay.milestone_name, home.name, new,
                        c.absolute(new), amount=pay.amount, currency="USD"))
        changes.append({"clause_reference": ref, "field": "payment_due_date", "milestone_name": pay.milestone_name,
                        "from": old.isoformat(), "to": new.isoformat()})
    elif f.get("renewal_ob") is not None and f.get("notice"):
        old_n, unit = f["notice"]
        new_n = 60 if old_n != 60 else 45
        ref = f["renewal_ob"].clause_reference
        first_end = f["term_first_end"]
        ends = [add_months(first_end, 12 * j) for j in range(60)]
        deadline = next(add_duration(t, new_n, "days", -1) for t in ends if add_duration(t, new_n, "days", -1) >= as_of)
        sec = ref if ref.startswith("Section") else f"Section {ref}"
        c.w.clause(c.ob(f"In {sec} of the Agreement, the notice period for non-renewal is changed from {c.dur(old_n, 'days')} to "
                        f"{c.dur(new_n, 'days')}, so that either party may prevent renewal by giving written notice of non-renewal "
                        f"at least {c.dur(new_n, 'days')} prior to the end of the then-current term.",
                        "renewal_notice", "Non-renewal notice deadline", None, deadline,
                        c.relative(new_n, "days", "before", "expiration_date"), recurrence="annually"))
        c.key.update(auto_renewal=True, renewal_notice_period=f"P{new_n}D", next_renewal_notice_deadline=deadline)
        changes.append({"clause_reference": ref, "field": "renewal_notice_period", "from": f"P{old_n}D", "to": f"P{new_n}D"})
        fee_change = _money(rng, 20000, 90000, 500)
        c.w.clause(f"Effective upon the next Renewal Term, the annual fees under the Agreement are {c.money(fee_change)}.")
    else:
        old = parent.key_dates.get("expiration_date")
        if not isinstance(old, dt.date):
            old = as_of + dt.timedelta(days=90)
        new = add_months(old, 12)
        c.w.clause(c.ob(f"The term of the Agreement is extended so that the Agreement expires on {c.date(new)}.",
                        "expiration", "Agreement expiration", None, new, c.absolute(new, "on")))
        c.key["expiration_date"] = new
        changes.append({"clause_reference": None, "field": "expiration_date", "from": old.isoformat(), "to": new.isoformat()})
    c.w.clause(f"Except as expressly amended by this Amendment, the {parent_short} remains unchanged and in full force and effect.")
    c.w.clause(f"This Amendment may be executed in counterparts and is governed by the law governing the {parent_short}.")
    cl.signature(c)
    out = _finish(c, spec, title, "Amendment", prefix_extra=str(no))
    out.amends = {"contract_id": parent.contract_id, "title": parent.title, "agreement_date": parent.agreement_date.isoformat(),
                  "changes": changes}
    return out


BUILDERS: dict[str, Callable[..., Contract]] = {
    "msa": build_msa, "sow": build_sow, "sla": build_sla, "saas": build_saas, "supply": build_supply,
    "consulting": build_consulting, "license": build_license, "maintenance": build_maintenance, "lease": build_lease,
    "dpa": build_dpa, "distribution": build_distribution, "services": build_services, "nda": build_nda,
    "letter": build_letter, "amendment": build_amendment,
}  # fmt: skip


def build_contract(spec: Spec, rng: random.Random, as_of: dt.date, home_b: tuple, other_b: tuple,
                   parent: Contract | None) -> Contract:
    return BUILDERS[spec.kind](spec, rng, as_of, home_b, other_b, parent)
