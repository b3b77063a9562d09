"""The clause library: several phrasings per clause kind, each obligation recorded with its truth.

Hard negatives live here too: boilerplate that mentions durations or dates without creating a deadline
(survival, cure periods, notice mechanics, superseded agreements, termination for convenience).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from .calendar import add_duration, add_months, next_recurring
from .model import Rule, Sentence
from .writer import Ctx

__all__ = [
    "preamble", "recitals", "definitions", "term_auto", "term_fixed", "termination", "invoice_terms",
    "milestone_payments", "recurring_fee", "acceptance", "reporting", "insurance", "audit", "warranty",
    "security", "confidentiality", "indemnity", "general", "signature", "periodic_phrase",
]  # fmt: skip

_FREQ_PERIOD = {"monthly": ("calendar month", "month_end"), "quarterly": ("calendar quarter", "quarter_end"),
                "annually": ("calendar year", "year_end")}


def _iso(amount: int, unit: str) -> str:
    return f"P{amount}{ {'days': 'D', 'business_days': 'D', 'weeks': 'W', 'months': 'M', 'years': 'Y'}[unit] }"


# ----------------------------------------------------------------- opening


def preamble(c: Ctx, title: str, short: str = "Agreement", under: str | None = None) -> None:
    """Title, parties with defined roles, the agreement date and the Effective Date."""
    c.w.title(title.upper() if c.rng.random() < 0.6 else title)
    hp, op = c.home, c.other
    home = f'{hp.name}, {hp.description} with offices at {hp.address} ("{hp.role}")'
    other = f'{op.name}, {op.description} with its principal place of business at {op.address} ("{op.role}")'
    first, second = (home, other) if c.rng.random() < 0.6 else (other, home)
    same_day = c.agreement == c.eff
    dated = c.pick("entered into as of", "made and entered into as of", "dated as of")
    signed = c.formal_date(c.agreement) if c.xrng.random() < 0.25 else c.date(c.agreement)
    if same_day:
        eff_text = f'{dated} {signed} (the "Effective Date")'
    else:
        eff_text = f'{dated} {signed} and effective as of {c.date(c.eff)} (the "Effective Date")'
    under_text = f", under the {under}," if under else ""
    c.w.para(f'This {title} (this "{short}") is {eff_text}{under_text} by and between {first} and {second}.')
    c.facts["short"] = short


def recitals(c: Ctx, home_wish: str, other_does: str) -> None:
    style = c.rng.random()
    if style < 0.5:
        c.w.heading("RECITALS", 2)
        c.w.para(f"WHEREAS, {c.o} {other_does};")
        c.w.para(f"WHEREAS, {c.h} {home_wish}; and")
        c.w.para("WHEREAS, the parties wish to set out the terms on which they will do business.")
        c.w.para("NOW, THEREFORE, in consideration of the mutual covenants contained herein and for other good and "
                 "valuable consideration, the receipt and sufficiency of which are acknowledged, the parties agree as follows:")
    elif style < 0.8:
        c.w.heading("Background", 2)
        c.w.para(f"A. {c.o} {other_does}.")
        c.w.para(f"B. {c.h} {home_wish}.")
        c.w.para("The parties therefore agree as follows.")
    else:
        c.w.para(f"{c.h} {home_wish}, and {c.o} {other_does}. The parties agree as follows:")


def definitions(c: Ctx, extra: list[tuple[str, str]] | None = None) -> None:
    terms = [
        ("Business Day", "any day other than a Saturday, a Sunday or a day on which national banks in the United States are "
                         "authorized to close"),
        ("Confidential Information", "all non-public information disclosed by a party to the other party, whether orally or in "
                                     "writing, that is designated as confidential or that reasonably should be understood to be confidential"),
        ("Affiliate", "any entity that directly or indirectly controls, is controlled by, or is under common control with a party"),
    ]
    terms += extra or []
    c.rng.shuffle(terms)
    c.w.article(c.pick("Definitions", "Defined Terms"))
    lead = c.pick("Capitalized terms have the meanings given below.",
                  "In this Agreement the following terms have the following meanings.")
    if c.w.style == "flat":
        c.w.para(lead + " " + " ".join(f'"{t}" means {m}.' for t, m in terms))
        return
    c.w.clause(lead)
    for t, m in terms:
        c.w.clause(f'"{t}" means {m}.')


# ----------------------------------------------------------------- term


def _term_ends(first_end: dt.date, renewal_months: int, n: int = 60) -> list[dt.date]:
    return [add_months(first_end, j * renewal_months) for j in range(n)]


def term_auto(c: Ctx, initial: tuple[int, str], renewal_months: int, notice: tuple[int, str],
              by_home: bool = False, state_end: bool = False) -> dict:
    """Auto-renewing term with a non-renewal notice window; sets key dates and the renewal_notice obligation."""
    init_n, init_unit = initial
    first_end = add_duration(c.eff, init_n, init_unit)
    ends = _term_ends(first_end, renewal_months)
    n_amt, n_unit = notice
    deadline, term_end = next(
        (add_duration(t, n_amt, n_unit, -1), t) for t in ends if add_duration(t, n_amt, n_unit, -1) >= c.as_of
    )
    c.key.update(expiration_date=first_end, initial_term=_iso(init_n, init_unit), auto_renewal=True,
                 renewal_notice_period=_iso(n_amt, n_unit), next_renewal_notice_deadline=deadline)
    c.facts.update(term_first_end=first_end, renewal_months=renewal_months, notice=notice)
    if state_end:
        init_text = f'shall continue until {c.date(first_end)} (the "Initial Term")'
        c.key["initial_term"] = None
    else:
        init_text = c.pick(f'shall continue for an initial term of {c.dur(init_n, init_unit)} (the "Initial Term")',
                           f'will remain in force for an initial period of {c.dur(init_n, init_unit)} (the "Initial Term")')
    if renewal_months % 12 == 0 and c.rng.random() < 0.7:
        ren_text, c.key["renewal_term"] = c.dur(renewal_months // 12, "years"), _iso(renewal_months // 12, "years")
    else:
        ren_text, c.key["renewal_term"] = c.dur(renewal_months, "months"), _iso(renewal_months, "months")
    this = f"this {c.facts.get('short', 'Agreement')}"
    first = f"{this[0].upper()}{this[1:]} commences on the Effective Date and {init_text}."
    who = c.h if by_home else "either party"
    variants = [
        f'Thereafter, {this} shall automatically renew for successive {ren_text} periods (each, a "Renewal Term") '
        f"unless {who} gives written notice of non-renewal at least {c.dur(n_amt, n_unit)} prior to the end of the then-current term.",
        f"Upon expiration of the Initial Term, {this} will renew automatically for additional periods of {ren_text} "
        f"unless {who} notifies the {'other party' if not by_home else c.o} in writing of its intention not to renew no later than "
        f"{c.dur(n_amt, n_unit)} before the expiration of the then-current term.",
        f"The term shall be extended automatically for successive renewal periods of {ren_text} each, unless {who} "
        f"delivers a notice of non-renewal not less than {c.dur(n_amt, n_unit)} before the last day of the Initial Term "
        f"or the then-current renewal period.",
    ]
    ob = c.ob(c.pick(*variants), "renewal_notice", "Non-renewal notice deadline", c.H if by_home else None, deadline,
              c.relative(n_amt, n_unit, "before", "expiration_date"), recurrence="annually" if renewal_months == 12 else None,
              condition=f"to prevent automatic renewal of the term ending {term_end.isoformat()}")
    c.facts["renewal_ob"] = ob
    return {"first": first, "ob": ob}


def term_fixed(c: Ctx, expiration: dt.date, as_duration: tuple[int, str] | None = None,
               renewal: str = "none") -> None:
    """A fixed term: expiration obligation plus, optionally, a mutual renewal or an extension option."""
    c.key.update(expiration_date=expiration, auto_renewal=False)
    this = f"this {c.facts.get('short', 'Agreement')}"
    This = this[0].upper() + this[1:]
    if as_duration:
        n, unit = as_duration
        c.key["initial_term"] = _iso(n, unit)
        text = c.pick(f"{This} commences on the Effective Date and shall remain in effect for a period of "
                      f'{c.dur(n, unit)} (the "Term"), unless terminated earlier in accordance with its terms.',
                      f"The term of {this} begins on the Effective Date and ends {c.dur(n, unit)} after the "
                      f"Effective Date, unless terminated earlier as provided herein.")
        rule = c.relative(n, unit, "after", "effective_date")
    else:
        text = c.pick(f"{This} commences on the Effective Date and, unless terminated earlier, expires on "
                      f'{c.date(expiration)} (the "Expiration Date").',
                      f"The term of {this} shall begin on the Effective Date and end on {c.date(expiration)}.",
                      f'{This} shall remain in full force and effect through {c.date(expiration)} (the "Term").')
        rule = c.absolute(expiration, "on")
    exp_ob = c.ob(text, "expiration", "Agreement expiration", None, expiration, rule)
    sentences: list = [exp_ob]
    if renewal == "none":
        sentences.append(c.pick(f"{This} shall not renew automatically.",
                                "Any extension of the Term requires a written amendment signed by both parties."))
    elif renewal == "mutual":
        n = c.pick(30, 60, 90)
        sentences.append(c.ob(
            c.pick(f"The parties may renew this Agreement for one (1) additional year by a written renewal signed by both "
                   f"parties no later than {c.dur(n, 'days')} before the end of the Term.",
                   f"Any renewal shall be agreed in writing by the parties at least {c.dur(n, 'days')} prior to the "
                   f"expiration of the Term."),
            "renewal", "Mutual renewal decision", None, add_duration(expiration, n, "days", -1),
            c.relative(n, "days", "before", "expiration_date"), condition="only if both parties agree to renew"))
    elif renewal == "option":
        n = c.pick(45, 60, 90, 120)
        sentences.append(c.ob(
            c.pick(f"{c.h} shall have the option to extend the Term for one (1) additional period of twelve (12) months by "
                   f"written notice to {c.o} delivered at least {c.dur(n, 'days')} prior to the expiration of the Term.",
                   f"{c.h} may extend this Agreement for a further one (1) year by notifying {c.o} in writing no later "
                   f"than {c.dur(n, 'days')} before the end of the Term."),
            "option_exercise", "Extension option deadline", c.H, add_duration(expiration, n, "days", -1),
            c.relative(n, "days", "before", "expiration_date"), condition="only if the extension option is exercised"))
    c.w.clause(*sentences, caption=c.pick("Term.", None))


def termination(c: Ctx, dated_window: bool = False) -> None:
    """Termination rights: mostly hard negatives (convenience, cure periods), optionally a dated window."""
    n = c.pick(30, 60, 90)
    c.w.clause(c.pick(f"Either party may terminate this Agreement for convenience upon {c.days_possessive(n)} prior written notice "
                      f"to the other party.",
                      f"{c.h} may terminate this Agreement at any time, without cause, on {c.days_possessive(n)} written notice to {c.o}."),
               caption=c.pick("Termination for Convenience.", None))
    cure = c.pick(15, 30)
    c.w.clause(f"Either party may terminate this Agreement if the other party materially breaches it and fails to cure the "
               f"breach within {c.dur(cure, 'days')} after receiving written notice describing the breach.",
               caption=c.pick("Termination for Cause.", None))
    if dated_window:
        anniv = add_months(c.eff, 12 * max(1, (c.as_of.year - c.eff.year) + 1))
        while anniv - dt.timedelta(days=30) < c.as_of:
            anniv = add_months(anniv, 12)
        deadline = c.target(20, 150)
        if deadline >= anniv:
            deadline = anniv - dt.timedelta(days=30)
        c.w.clause(c.ob(
            f"In addition, {c.h} may terminate this Agreement effective as of {c.date(anniv)} by giving {c.o} written "
            f"notice of termination no later than {c.date(deadline)}.",
            "termination_notice", "Early termination notice deadline", c.H, deadline, c.absolute(deadline),
            condition="only if the early termination right is used"))
    c.w.clause(c.pick("Sections relating to confidentiality, indemnification and limitation of liability shall survive any "
                      "termination or expiration of this Agreement for a period of three (3) years.",
                      "Any provision that by its nature should survive termination shall survive, including payment obligations "
                      "accrued before the date of termination."))


# ----------------------------------------------------------------- money


def invoice_terms(c: Ctx, payer_home: bool = True) -> None:
    payer, payee = (c.h, c.o) if payer_home else (c.o, c.h)
    payer_name = c.H if payer_home else c.O
    n = c.pick(30, 30, 45, 60)
    text = c.pick(
        f"{payer} shall pay each undisputed invoice within {c.dur(n, 'days')} after receipt.",
        f"Payment terms are net {n} days from receipt of a correct invoice by {payer}.",
        f"All undisputed amounts are due and payable by {payer} {c.dur(n, 'days')} from the date {payer} receives {payee}'s invoice.",
    )
    ob = c.ob(text, "payment", "Invoice payment", payer_name, None, c.relative(n, "days", "within", "invoice_receipt"),
              condition="each invoice; due date depends on the date the invoice is received")
    c.w.clause(ob, c.pick("Late payments bear interest at the lesser of one percent (1%) per month and the maximum rate permitted by law.",
                          "Amounts disputed in good faith may be withheld pending resolution of the dispute."),
               caption=c.pick("Invoices.", "Payment Terms.", None))


def milestone_payments(c: Ctx, total: Decimal, events: Sequence[tuple[str, str, Any, str | None]],
                       shares: list[int], form: str) -> str:
    """Milestone payments; events are (label, anchor, known date, predecessor milestone name)."""
    amounts = [(total * s / 100).quantize(Decimal("0.01")) for s in shares]
    amounts[-1] = total - sum(amounts[:-1])
    obs: list[tuple[str, int, Decimal, Rule, Any, str | None, str | None]] = []
    rows = []
    for (label, anchor, when, dep), share, amount in zip(events, shares, amounts, strict=True):
        if anchor == "date":
            rule, due, cond, dep_name = c.absolute(when), when, None, None
        elif anchor == "signing":
            rule, due, cond, dep_name = c.relative(None, None, "on", "signing"), when, None, None
        elif anchor == "effective_date":
            rule, due, cond, dep_name = c.relative(10, "days", "within", "effective_date"), when, None, None
        else:
            rule, due, cond, dep_name = c.relative(None, None, "on", anchor or "acceptance"), None, f"upon {label}", dep
        obs.append((label, share, amount, rule, due, cond, dep_name))
    payer = c.H
    if form == "table":
        ref = c.w.clause(c.pick(f"{c.h} shall pay the fixed fee of {c.money(total)} in installments according to the following "
                                f"payment schedule.", f"The Fees total {c.money(total)} and are payable as set out in the table below."),
                         caption=c.pick("Payment Schedule.", "Fees.", None))
        row_obs = []
        for label, share, amount, rule, due, cond, dep_name in obs:
            if rule.kind == "absolute":
                due_cell = c.date(due)
            elif rule.anchor == "signing":
                due_cell = f"Upon signing of this {c.facts.get('short', 'Agreement')}"
            elif rule.anchor == "effective_date":
                due_cell = "Within 10 days after the Effective Date"
            else:
                due_cell = "Upon " + label
            cells = [label[0].upper() + label[1:], f"{share}%", f"${amount:,.2f}", due_cell]
            rows.append(cells)
            row_obs.append([c.ob("", "payment", f"Milestone payment: {label}", payer, due, rule, amount=amount, currency="USD",
                                 percentage=str(share), depends_on=dep_name, condition=cond)])
        c.w.table(["Milestone", "Percentage", "Amount", "Due"], rows, row_obs, ref, widths=[3.2, 1.1, 1.4, 2.3])
        c.facts["payments"] = [r[0] for r in row_obs]
        return ref
    parts = []
    ob_list = []
    for label, share, amount, rule, due, cond, dep_name in obs:
        if rule.kind == "absolute":
            phrase = f"{c.pct(share)} of the Fees ({c.money(amount)}) no later than {c.date(due)}"
        elif rule.anchor == "signing":
            phrase = f"{c.pct(share)} of the Fees ({c.money(amount)}) upon signing of this {c.facts.get('short', 'Agreement')}"
        elif rule.anchor == "effective_date":
            phrase = f"{c.pct(share)} of the Fees ({c.money(amount)}) within {c.dur(10, 'days')} after the Effective Date"
        else:
            phrase = f"{c.pct(share)} of the Fees ({c.money(amount)}) upon {label}"
        parts.append(phrase)
        ob_list.append((phrase, label, share, amount, rule, due, cond, dep_name))
    if form == "items":
        items: list[list[Sentence]] = []
        for phrase, label, share, amount, rule, due, cond, dep_name in ob_list:
            items.append([c.ob(f"{c.h} shall pay {phrase}.", "payment", f"Milestone payment: {label}", payer, due, rule,
                               amount=amount, currency="USD", percentage=str(share), depends_on=dep_name, condition=cond)])
        c.facts["payments"] = [i[0] for i in items]
        return c.w.items([f"The total fixed fee for the Services is {c.money(total)} (the \"Fees\"), payable as follows:"], items,
                         caption=c.pick("Fees.", "Payment Milestones.", None))
    # one sentence naming every installment: several obligations share the same source sentence
    sentence = f"{c.h} shall pay the Fees of {c.money(total)} as follows: " + ", ".join(parts[:-1]) + f" and {parts[-1]}."
    shared = [c.ob(sentence, "payment", f"Milestone payment: {label}", payer, due, rule, amount=amount, currency="USD",
                   percentage=str(share), depends_on=dep_name, condition=cond)
              for _, label, share, amount, rule, due, cond, dep_name in ob_list]
    shared[0].also = shared[1:]
    c.facts["payments"] = shared
    return c.w.clause(shared[0], caption=c.pick("Fees.", None))


def periodic_phrase(c: Ctx, n: int, unit: str, frequency: str) -> str:
    period, _ = _FREQ_PERIOD[frequency]
    return c.pick(f"within {c.dur(n, unit)} after the end of each {period}",
                  f"no later than {c.dur(n, unit)} following the end of each {period}")


def recurring_fee(c: Ctx, amount: Decimal, frequency: str, label: str) -> None:
    if frequency == "annually":
        due = next_recurring(c.as_of, "annually", anniversary_of=c.eff)
        text = c.pick(f"{c.h} shall pay the annual {label} of {c.money(amount)} in advance on or before each anniversary of the Effective Date.",
                      f"The {label} of {c.money(amount)} per year is payable by {c.h} annually in advance on each anniversary of the Effective Date.")
        rule = c.recurring(None, None, "on", "effective_date", "annually")
    else:
        n = c.pick(1, 10, 15) if frequency == "monthly" else c.pick(10, 15, 30)
        due = next_recurring(c.as_of, frequency, after_period_end=(n, "days"), not_before=c.eff)
        period = "calendar month" if frequency == "monthly" else "calendar quarter"
        if n == 1 and frequency == "monthly":
            text = f"{c.h} shall pay the {label} of {c.money(amount)} per month in advance on the first (1st) day of each calendar month."
        else:
            text = c.pick(f"{c.h} shall pay the {label} of {c.money(amount)} no later than {c.dur(n, 'days')} after the end of each {period}.",
                          f"The {label} ({c.money(amount)} per {period.split()[1]}) is due within {c.dur(n, 'days')} after the end of each {period}.")
        rule = c.recurring(n, "days", "after", "month_end" if frequency == "monthly" else "quarter_end", frequency)
    c.w.clause(c.ob(text, "payment", f"{label[0].upper() + label[1:]} payment", c.H, due, rule, recurrence=frequency,
                    amount=amount, currency="USD"), caption=c.pick("Fees.", None))


# ----------------------------------------------------------------- delivery & acceptance


def acceptance(c: Ctx) -> None:
    n, unit = c.pick((10, "business_days"), (5, "business_days"), (15, "days"), (30, "days"))
    text = c.pick(
        f"{c.h} shall have {c.dur(n, unit)} after receipt of each Deliverable to accept or reject the Deliverable in writing.",
        f"{c.h} will test each Deliverable and notify {c.o} of its acceptance or rejection within {c.dur(n, unit)} after delivery.",
        f"Within {c.dur(n, unit)} following delivery of a Deliverable, {c.h} shall either accept it or give {c.o} a written "
        f"statement of the nonconformities.",
    )
    c.w.clause(c.ob(text, "acceptance", "Deliverable acceptance decision", c.H, None, c.relative(n, unit, "within", "delivery"),
                    condition="for each Deliverable, counted from its delivery"),
               c.pick("A Deliverable not rejected within that period is deemed accepted.",
                      f"{c.o} shall correct any rejected Deliverable and resubmit it for acceptance."),
               caption=c.pick("Acceptance.", None))


# ----------------------------------------------------------------- duties


def reporting(c: Ctx, frequency: str, report: str, by_home: bool = False, unit: str | None = None) -> None:
    who_role, who_name = (c.h, c.H) if by_home else (c.o, c.O)
    n = {"monthly": c.pick(5, 10, 15), "quarterly": c.pick(30, 45), "annually": c.pick(60, 90, 120)}[frequency]
    unit = unit or ("business_days" if frequency == "monthly" and c.rng.random() < 0.5 else "days")
    period, anchor = _FREQ_PERIOD[frequency]
    due = next_recurring(c.as_of, frequency, after_period_end=(n, unit), not_before=c.eff)
    article = "an" if report[0] in "aeiouAEIOU" or report.startswith("SLA") else "a"
    when = periodic_phrase(c, n, unit, frequency)
    text = c.pick(f"{who_role} shall deliver to {c.o if by_home else c.h} {article} {report} {when}.",
                  f"{when[0].upper()}{when[1:]}, {who_role} shall provide a written {report} covering that {period.split()[1]}.")
    c.w.clause(c.ob(text, "reporting", report[0].upper() + report[1:], who_name, due,
                    c.recurring(n, unit, "within", anchor, frequency), recurrence=frequency, deliverable=report),
               caption=c.pick("Reports.", "Reporting.", None))


def insurance(c: Ctx) -> None:
    c.w.article("Insurance")
    gl = c.pick(Decimal("1000000"), Decimal("2000000"))
    c.w.clause(f"{c.o} shall maintain, at its own expense, commercial general liability insurance with limits of not less than "
               f"{c.money(gl)} per occurrence and {c.money(gl * 2)} in the aggregate, and workers' compensation insurance as "
               f"required by law.", caption=c.pick("Coverage.", None))
    n = c.pick(10, 15, 30)
    recurring = c.rng.random() < 0.6
    if recurring:
        due = next_recurring(c.as_of, "annually", anniversary_of=add_duration(c.eff, n, "days"))
        text = c.pick(f"{c.o} shall deliver to {c.h} a certificate of insurance evidencing the required coverage within "
                      f"{c.dur(n, 'days')} after the Effective Date and annually thereafter.",
                      f"Within {c.dur(n, 'days')} after the Effective Date, and on each anniversary of that date, {c.o} shall "
                      f"furnish certificates of insurance to {c.h}.")
        ob = c.ob(text, "insurance", "Certificate of insurance", c.O, due,
                  c.recurring(n, "days", "within", "effective_date", "annually"), recurrence="annually",
                  deliverable="certificate of insurance")
    else:
        due = add_duration(c.eff, n, "days")
        text = (f"{c.o} shall provide {c.h} with a certificate of insurance naming {c.h} as an additional insured no later "
                f"than {c.dur(n, 'days')} after the Effective Date.")
        ob = c.ob(text, "insurance", "Certificate of insurance", c.O, due, c.relative(n, "days", "within", "effective_date"),
                  deliverable="certificate of insurance")
    c.w.clause(ob, f"{c.o} shall give {c.h} at least {c.days_possessive(30)} prior written notice of any cancellation of the required insurance.")


def audit(c: Ctx, annual_report: bool = False) -> None:
    c.w.article(c.pick("Records and Audit", "Audit Rights"))
    years = c.pick(3, 5, 7)
    c.w.clause(c.ob(c.pick(f"{c.o} shall keep complete and accurate records relating to this Agreement for {c.dur(years, 'years')} "
                           f"after its expiration or termination.",
                           f"{c.o} shall retain all books and records relating to the Services for a period of at least "
                           f"{c.dur(years, 'years')} following the termination or expiration of this Agreement."),
                    "audit", "Records retention", c.O, None, c.relative(years, "years", "after", "termination"),
                    condition="runs from expiration or termination"),
               caption=c.pick("Records.", None))
    n = c.pick(10, 15)
    c.w.clause(f"Not more than once in any calendar year, {c.h} or its independent auditor may audit those records.",
               c.ob(f"{c.o} shall make the relevant records available for inspection within {c.dur(n, 'business_days')} after "
                    f"{c.h}'s written request.", "audit", "Audit records access", c.O, None,
                    c.relative(n, "business_days", "within", "written_request"), condition="only after a written audit request"),
               caption=c.pick("Audit.", None))
    if annual_report:
        n = c.pick(90, 120)
        due = next_recurring(c.as_of, "annually", after_period_end=(n, "days"), not_before=c.eff)
        c.w.clause(c.ob(f"{c.o} shall engage an independent certified public accountant to audit its compliance with this Agreement "
                        f"and deliver the auditor's report to {c.h} within {c.dur(n, 'days')} after the end of each calendar year.",
                        "audit", "Annual compliance audit report", c.O, due, c.recurring(n, "days", "within", "year_end", "annually"),
                        recurrence="annually", deliverable="independent audit report"))


def warranty(c: Ctx, computable: bool) -> None:
    if computable:
        n, unit = c.pick((90, "days"), (6, "months"), (12, "months"))
        due = add_duration(c.eff, n, unit)
        c.w.clause(c.ob(f"{c.h} must notify {c.o} in writing of any breach of the foregoing warranty within {c.dur(n, unit)} after "
                        f'the Effective Date (the "Warranty Period").', "warranty", "Warranty claim deadline", c.H, due,
                        c.relative(n, unit, "within", "effective_date")),
                   f"{c.o}'s sole obligation for a breach of warranty is to repair or replace the nonconforming item.",
                   caption=c.pick("Warranty Period.", None))
    else:
        n, unit = c.pick((90, "days"), (12, "months"), (6, "months"))
        c.w.clause(c.ob(f"{c.o} warrants that each Deliverable will conform to its specifications in all material respects for "
                        f"{c.dur(n, unit)} after its acceptance by {c.h}.", "warranty", "Deliverable warranty period", c.O, None,
                        c.relative(n, unit, "after", "acceptance"), condition="runs from acceptance of each Deliverable"),
                   "THE FOREGOING WARRANTIES ARE EXCLUSIVE AND IN LIEU OF ALL OTHER WARRANTIES, EXPRESS OR IMPLIED.",
                   caption=c.pick("Warranty.", None))


def security(c: Ctx, soc2: bool = True, breach: bool = True, hours: int | None = None) -> None:
    c.w.article(c.pick("Data Security", "Information Security"))
    c.w.clause(f"{c.o} shall maintain administrative, physical and technical safeguards designed to protect {c.h} data against "
               f"unauthorized access, consistent with industry standards.")
    if breach:
        hours = hours or c.pick(24, 48, 72, 72)
        window = "seventy-two (72) hours" if hours == 72 and c.xrng.random() < 0.7 else c.dur(hours, "hours")
        c.w.clause(c.ob(c.pick(f"{c.o} shall notify {c.h} in writing within {window} after becoming aware of any "
                               f"Security Incident affecting {c.h} data.",
                               f"In the event of a Security Incident, {c.o} shall notify {c.h} without undue delay and in any event "
                               f"within {window} of discovery.",
                               f"{c.o} must inform {c.h} of any Security Incident no later than {window} after {c.o} "
                               f"first learns of it."),
                        "compliance", "Security incident notification", c.O, None,
                        c.relative(hours, "hours", "within", "breach_discovery"), condition="only if a Security Incident occurs"),
                   caption=c.pick("Security Incidents.", None))
    if soc2:
        if c.rng.random() < 0.5:
            n = c.pick(60, 90)
            due = next_recurring(c.as_of, "annually", after_period_end=(n, "days"), not_before=c.eff)
            text = (f"{c.o} shall provide {c.h} with a copy of its most recent SOC 2 Type II report within {c.dur(n, 'days')} after "
                    f"the end of each calendar year.")
            rule = c.recurring(n, "days", "within", "year_end", "annually")
        else:
            due = next_recurring(c.as_of, "annually", anniversary_of=c.eff)
            text = f"On each anniversary of the Effective Date, {c.o} shall deliver to {c.h} its current SOC 2 Type II audit report."
            rule = c.recurring(None, None, "on", "effective_date", "annually")
        c.w.clause(c.ob(text, "compliance", "Annual SOC 2 Type II report", c.O, due, rule, recurrence="annually",
                        deliverable="SOC 2 Type II report"), caption=c.pick("Compliance Reports.", None))


# ----------------------------------------------------------------- boilerplate (hard negatives)


def confidentiality(c: Ctx) -> None:
    c.w.article("Confidentiality")
    years = c.pick(3, 5)
    c.w.clause("Each party shall hold the other party's Confidential Information in confidence, use it only to perform or "
               "receive the benefit of this Agreement, and disclose it only to its employees and advisers who need to know it.")
    c.w.clause(c.pick(f"The obligations in this Article continue for {c.dur(years, 'years')} after termination of this Agreement, "
                      f"and for trade secrets for as long as they remain trade secrets.",
                      f"This obligation of confidentiality shall survive for a period of {c.dur(years, 'years')} following the "
                      f"expiration or termination of this Agreement."))


def indemnity(c: Ctx) -> None:
    c.w.article(c.pick("Indemnification", "Indemnity"))
    c.w.clause(f"{c.o} shall defend, indemnify and hold harmless {c.h} and its Affiliates from and against all third-party "
               f"claims, losses and expenses arising out of {c.o}'s gross negligence or willful misconduct.")
    c.w.clause("The indemnified party shall give the indemnifying party prompt written notice of the claim and reasonable "
               "cooperation in its defense.")
    c.w.clause("EXCEPT FOR INDEMNIFICATION OBLIGATIONS AND BREACHES OF CONFIDENTIALITY, NEITHER PARTY SHALL BE LIABLE FOR ANY "
               "INDIRECT, INCIDENTAL OR CONSEQUENTIAL DAMAGES, AND EACH PARTY'S TOTAL LIABILITY SHALL NOT EXCEED THE FEES PAID "
               "IN THE TWELVE (12) MONTHS PRECEDING THE CLAIM.")


_STATES = ["Delaware", "New York", "Washington", "Illinois", "California", "Texas"]


def extra_boilerplate(c: Ctx, deliverables: bool = True) -> None:
    """Two to four more boilerplate articles (all hard negatives), drawn from the refinement stream."""
    r = c.xrng
    arts = [
        ("Intellectual Property", [
            f"{c.h} owns all right, title and interest in the Deliverables upon payment in full, and {c.o} hereby assigns "
            f"to {c.h} all intellectual property rights in them.",
            f"{c.o} retains ownership of its pre-existing materials and grants {c.h} a perpetual, royalty-free license to use "
            f"any such materials incorporated in a Deliverable."]),
        ("Dispute Resolution", [
            f"The parties shall first try to resolve any dispute through good-faith negotiation between senior executives "
            f"for a period of {c.dur(r.choice([15, 30]), 'days')} before starting any proceeding.",
            "Any dispute not so resolved shall be finally settled by binding arbitration administered by the American "
            "Arbitration Association, and judgment on the award may be entered in any court having jurisdiction."]),
        ("Non-Solicitation", [
            f"During the term of this Agreement and for {c.dur(r.choice([6, 12]), 'months')} thereafter, neither party shall "
            f"solicit for employment any employee of the other party who was directly involved in this Agreement."]),
        ("Assignment", [
            "Neither party may assign this Agreement without the prior written consent of the other party, except to a "
            "successor to all or substantially all of its business.",
            "Any attempted assignment in violation of this Section is void."]),
        ("Independent Contractors", [
            "The parties are independent contractors, and nothing in this Agreement creates a partnership, joint venture "
            "or agency relationship between them."]),
        ("Publicity", [
            f"Neither party shall use the other party's name or marks in any publicity without its prior written consent, "
            f"except that {c.o} may list {c.h} as a customer."]),
        ("Compliance with Laws", [
            "Each party shall comply with all laws and regulations applicable to its performance under this Agreement, "
            "including anti-corruption and export control laws."]),
    ]
    if not deliverables:
        arts = [a for a in arts if a[0] != "Intellectual Property"]
    for title, clauses_ in r.sample(arts, r.randint(2, 4)):
        c.w.article(title)
        for text in clauses_:
            c.w.clause(text)


def general(c: Ctx, superseded: dt.date | None = None) -> None:
    c.w.article(c.pick("General", "Miscellaneous", "General Provisions"))
    state = c.pick(*_STATES)
    c.w.clause(f"This Agreement is governed by the laws of the State of {state}, without regard to its conflict of laws rules.",
               caption=c.pick("Governing Law.", None))
    c.w.clause(c.pick("Notices must be in writing and are deemed given when delivered personally, one (1) business day after "
                      "deposit with a recognized overnight courier, or three (3) business days after mailing by certified mail.",
                      "All notices shall be in writing and sent to the addresses set out above; notices sent by email are "
                      "effective upon confirmation of receipt."), caption=c.pick("Notices.", None))
    if c.rng.random() < 0.6:
        c.w.clause("Neither party is liable for a delay caused by events beyond its reasonable control; if such an event "
                   "continues for more than thirty (30) days, either party may terminate the affected Services.",
                   caption=c.pick("Force Majeure.", None))
    entire = "This Agreement constitutes the entire agreement of the parties regarding its subject matter"
    if superseded:
        entire += f" and supersedes the agreement between them dated {c.date(superseded)}"
    c.w.clause(entire + ".", "It may be amended only in a writing signed by both parties.",
               caption=c.pick("Entire Agreement.", None))
    c.w.clause("This Agreement may be executed in counterparts, each of which is an original and all of which together are "
               "one instrument.", caption=c.pick("Counterparts.", None))


def signature(c: Ctx) -> None:
    date_text = c.date(c.agreement) if c.rng.random() < 0.7 else None
    parties = (c.home, c.other) if c.rng.random() < 0.5 else (c.other, c.home)
    c.w.signature(parties, c.agreement, date_text, c.facts.get("short", "Agreement"))
