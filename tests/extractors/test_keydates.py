"""Key dates of a contract: one row per drafting pattern, with hard negatives.

Fixtures are short hand-written clauses (development set, not held out). They follow the shapes seen in
CUAD v1 dev-split contracts (preambles, "Term" sections, renewal and non-renewal clauses) without copying
their text. The CUAD-measured conventions they pin down: a term counted from a date ends on the same
calendar day (effective 2014-02-10 + 5 years → 2019-02-10), and an extension that needs both parties'
agreement is not a renewal term.
"""

from __future__ import annotations

import datetime as dt

import pytest

from extractors.keydates import (
    _TERM_LEAD,
    _sentence,
    add_duration,
    explain_key_dates,
    get_key_dates,
    next_notice_deadline,
)

D = dt.date
PREAMBLE = 'This Distribution Agreement (the "Agreement") is made and entered into as of June 1, 2019 by and between Acme Inc. and Beta LLC.\n\n'


def kd(text: str, as_of: dt.date | None = None):  # noqa: ANN201 - small helper
    return get_key_dates(text, as_of=as_of)


# --- agreement date -----------------------------------------------------------------------------------
AGREEMENT = [
    ("This Agreement is made and entered into as of June 1, 2019 by and between A and B.", D(2019, 6, 1)),
    ("THIS AGREEMENT is made this 15th day of March 2004, between A and B.", D(2004, 3, 15)),
    ("This Supply Agreement, dated as of Feb 10, 2014 (the \"Effective Date\"), is between A and B.", D(2014, 2, 10)),
    ("LICENSE AGREEMENT\n\nJuly 20, 2018\n\nDear Sir:\nThis letter sets out our agreement.", D(2018, 7, 20)),
    ("This Agreement is entered into in ShenZhen on February 08, 2007 between the parties.", D(2007, 2, 8)),
    # the preamble names two dates: the one it was made on is the agreement date
    ("This Agreement shall be effective as of May 1, 2020 and is made and entered into this 10th day of January, 2020 "
     "between A and B.", D(2020, 1, 10)),
    # another agreement's date in the recitals is skipped for this agreement's own
    ("This Amendment is made between A and B. WHEREAS the parties entered into that certain Supply Agreement dated "
     "July 1, 2017; and WHEREAS this Amendment is dated as of October 1, 2018.", D(2018, 10, 1)),
    # the amended agreement's date in the title is skipped, even after a reference number with abbreviations
    ("Amendment No. 1 to the Supply Agreement ref. SA-12/14 Issue 3 dated March 9, 2015\n\nThis amendment is entered "
     "into on January 6, 2016 between A and B.", D(2016, 1, 6)),
    # ... and after a long title and the parties of the other agreement ("that License, Support, and Maintenance
    # Agreement, by and between …, dated …"); then the signature block dates this one
    ('This Schedule is made as of the effective date set forth above to that Software License, Support, and Maintenance '
     'Agreement, by and between Acme, Inc. ("Supplier") and Beta Bank, N. A. ("Bank"), dated November 5, 2010.\n\n'
     "By: /s/ A\nName: A\nTitle: CEO\nDate: 3/4/11\n\nBy: /s/ B\nName: B\nTitle: VP\nDate: 3/3/11", D(2011, 3, 4)),
    # a joint filing agreement names the SEC filing it covers and its date; the signature date is the agreement's
    ("JOINT FILING AGREEMENT The undersigned hereby agree that the Schedule 13G/A with respect to the shares of Common "
     "Stock of Acme Inc., dated as of December 31, 2019, is filed on behalf of each of us. January 22, 2020 (Date) "
     "BETA TRUST /s/ Jane Roe (Signature) Jane Roe, President (Name/Title)", D(2020, 1, 22)),
    # ... while this agreement's own schedules are not another document
    ("This Agreement, including the Schedule attached hereto, is dated as of June 1, 2019 between A and B.", D(2019, 6, 1)),
    # a real sentence stop after the other agreement's name: the date is this one's
    ("This Agreement supplements the Master Agreement. Dated: June 5, 2019", D(2019, 6, 5)),
    # an appendix after the signatures has dates of its own: they neither date the agreement nor join the signature block
    ("FIRM TRANSPORTATION SERVICE AGREEMENT\n\nThe Shipper and the Transporter agree that the Transporter shall carry gas "
     "for the Shipper on the terms of its tariff, as amended from time to time, and the Shipper shall pay the rates "
     "set out in the tariff for the quantities shown in the appendix. Either party may give notices by mail to the "
     "addresses below.\n\nAGREED TO BY:\n\nACME PIPELINE\n\n/s/ Jane Roe\n\nJane Roe, Director\n\n"
     "Dated: December 14, 2015 Dated: December 14, 2015\n\n\nAPPENDIX A\n\nContract Identification FT100\n\n"
     "Date: November 01, 2016 Supersedes Appendix Dated: November 01, 2015\n", D(2015, 12, 14)),
    # no date in the preamble: the latest date of the signature block
    ("This Agreement is between A and B.\n\nThe parties agree as follows.\n\nIN WITNESS WHEREOF the parties sign.\n\n"
     "By: /s/ Jane Roe\nTitle: CEO\nDate: 3/23/06\n\nBy: /s/ John Doe\nTitle: President\nDate: 3/24/06", D(2006, 3, 24)),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), AGREEMENT, ids=range(len(AGREEMENT)))
def test_agreement_date(text: str, expected: dt.date) -> None:
    assert kd(text).agreement_date == expected


AGREEMENT_NONE = [
    "This Agreement is made as of the date last signed below by and between A and B.",
    "This Agreement is made as of ____________, 2020 by and between A and B.",
    "The parties agree that payments are due within thirty (30) days.",
    # a running footer "Page 3   May 2004": the 3 numbers the page, it is not a day
    "NETWORK OUTSOURCING AGREEMENT\n\nRevision History\n\nName   Title   Revision Date   Summary of Changes\n\n"
    "Commercial in Confidence   Page 3   May 2004\n\nThe parties agree as follows.",
]


@pytest.mark.parametrize("text", AGREEMENT_NONE)
def test_no_agreement_date(text: str) -> None:
    assert kd(text).agreement_date is None


def test_a_page_footer_keeps_its_full_dates_that_follow_on_a_line_of_their_own() -> None:
    text = "SUPPLY AGREEMENT\n\nPage 1\nJune 3, 2019\n\nThe parties agree as follows."
    assert kd(text).agreement_date == D(2019, 6, 3)


def test_a_typewriter_underline_between_the_parts_of_a_date_is_read_through() -> None:
    text = 'THIS AGREEMENT (this "Agreement") is made as of 31 December,' + " " * 40 + "---------" + " " * 30 + "1996, between A and B."
    assert kd(text).agreement_date == D(1996, 12, 31)


def test_filing_stamps_are_not_dates() -> None:
    text = "SUPPLY AGREEMENT\n\nSource: ACME CORP, 10-K, 3/21/2019\n\nThe parties agree as follows."
    assert kd(text).agreement_date is None


@pytest.mark.parametrize(
    ("furniture", "initial"),
    [
        # a page break with its footer and filing stamp inside the term clause: still one sentence
        ("\n\nPage 3 of 36\n\nSource: ACME CORP, 8-K, 1/20/2009\n\n\n\n", "P36M"),
        ("\n\nSource: ACME CORP, 8-K, 1/20/2009\n\n", "P36M"),
        # hard negative: a stamp-like line that is part of the clause text is not blanked
        ("\n\nSource: the parties' records of 1/20/2009 and", None),
    ],
)
def test_page_furniture_inside_a_term_clause_is_read_through(furniture: str, initial: str | None) -> None:
    text = EFF + "This Agreement will remain in effect for thirty-six (36)" + furniture + "months following the Effective Date."
    assert kd(text).initial_term == initial


# --- effective date -----------------------------------------------------------------------------------
EFFECTIVE = [
    (PREAMBLE + '"Effective Date" means October 31, 2019.', D(2019, 10, 31)),
    ('This Agreement is entered into as of June 26, 2015 (the "Effective Date") between A and B.', D(2015, 6, 26)),
    ("This Agreement is made and effective as of August 1, 2019 between A and B.", D(2019, 8, 1)),
    (PREAMBLE + "This Agreement shall become effective upon the date first written above.", D(2019, 6, 1)),
    (PREAMBLE + "Effective Date: January 1, 2019\nTermination Date: December 31, 2023", D(2019, 1, 1)),
    (PREAMBLE + "The term of this Agreement shall commence on March 15, 2018 and expire on March 14, 2020.", D(2018, 3, 15)),
    # "the Effective Date of this Agreement is 10% off …" mentions the date, it does not define it as an event
    ('This Amendment is entered into effective October 1, 1996 ("Amendment Date") by and between A and B.\n\n'
     "3. The discount on Products in effect on the Effective Date of this Agreement is 10% off the list price.",
     D(1996, 10, 1)),
    # "the following terms" before a definition list is not another agreement dated in the list
    (PREAMBLE + "1. Definitions. As used herein, the following terms shall be defined as set forth below:\n\n"
     '(a) "Contract Period" shall mean that period of time commencing as of May 31, 2019 and concluding May 31, 2020.',
     D(2019, 5, 31)),
    # a sentence opening with "It shall be effective on DATE" in a term section means the contract
    (PREAMBLE + "7. Term\n\nThis contract replaces the earlier support annex.\n\nIt shall be effective on 06 October 2019 "
     "and shall have a duration of two years.", D(2019, 10, 6)),
    # the later signature counts
    ('This Agreement is effective as of the date of the last signature below (the "Effective Date") between A and B.\n\n'
     "By: /s/ A\nTitle: CEO\nDate: May 3, 2016\n\nBy: /s/ B\nTitle: CFO\nDate: May 11, 2016", D(2016, 5, 11)),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), EFFECTIVE, ids=range(len(EFFECTIVE)))
def test_effective_date(text: str, expected: dt.date) -> None:
    assert kd(text).effective_date == expected


EFFECTIVE_NONE = [
    # made on a date, but nothing says when it takes effect
    PREAMBLE + "The parties agree as follows.",
    # defined by an event that has no calendar date in the text
    PREAMBLE + '"Effective Date" means the date of the Closing under the Purchase Agreement.',
    # boilerplate about counterparts or amendments is not the agreement's start
    PREAMBLE + "No amendment shall be effective unless in writing and signed by both parties.",
    PREAMBLE + "This Agreement may be executed in counterparts and shall become effective when each party has signed a counterpart.",
    # a bracket that counts from the Effective Date does not name it
    PREAMBLE + "INITIAL PERIOD: April 15, 2020 through October 15, 2020 (6 Months from the Effective Date)",
    # the start of a fiscal year ("the fiscal year which begins on April 1, 2019") is not the agreement's
    PREAMBLE + "Under this Agreement, commencing with the Licensee's fiscal year which begins on April 1, 2019, Licensee "
    "shall pay the royalties quarterly.",
    # an unquoted definition by an event still gives no calendar date
    PREAMBLE + "The Effective Date of this Agreement shall be the date of the Closing.",
    # "it" inside a sentence about something else (a notice) is not the contract
    PREAMBLE + "Each notice shall be in writing and it shall be effective on 06 October 2020.",
]


@pytest.mark.parametrize("text", EFFECTIVE_NONE)
def test_no_effective_date(text: str) -> None:
    assert kd(text).effective_date is None


# --- expiration and initial term ----------------------------------------------------------------------
EFF = 'This Agreement is entered into as of February 10, 2014 (the "Effective Date") between A and B.\n\n'
EXPIRATION = [
    # text, expiration, initial term
    (EFF + "The initial term of this Agreement shall continue until five (5) years following the Effective Date.",
     D(2019, 2, 10), "P5Y"),
    (EFF + "1. Term. This Agreement shall commence on the Effective Date and continue for a period of twelve (12) months.",
     D(2015, 2, 10), "P12M"),
    (EFF + "The term of this Agreement shall commence on the Effective Date and continue through December 31, 2016.",
     D(2016, 12, 31), None),
    (EFF + "This Agreement shall remain in effect until the end of the current calendar year.", D(2014, 12, 31), None),
    (EFF + "The initial term shall end on the fifth anniversary of the Effective Date.", D(2019, 2, 10), "P5Y"),
    # "through the day prior to the second anniversary" is the same term as "two years from": it expires on the
    # anniversary, as a term counted in years does (CUAD's answers for this wording agree)
    (EFF + '"Initial Term" shall mean the Effective Date through the day prior to the second anniversary of the Effective Date.',
     D(2016, 2, 10), "P2Y"),
    (EFF + "This Agreement is for a term of ten (10) years.", D(2024, 2, 10), "P10Y"),
    (EFF + "The term of this Agreement shall be twenty (20) years, commencing on January 1, 2016.", D(2036, 1, 1), "P20Y"),
    (EFF + "TERM: November 01, 2014 to October 31, 2017", D(2017, 10, 31), "P3Y"),
    (EFF + "This Agreement shall commence on the Effective Date and shall continue until terminated as provided herein.",
     "perpetual", None),
    (EFF + "The term of this Agreement commences on the Effective Date and continues in perpetuity.", "perpetual", None),
    # an initial term followed by evergreen continuation: the initial term still ends
    (EFF + "This Agreement shall continue for an initial term of one (1) year and indefinitely after that until "
     "terminated by either party giving twelve (12) months' notice.", D(2015, 2, 10), "P1Y"),
    # a clause number before "The term of this Agreement" does not hide it behind a schedule's "Term:" line
    (EFF + "14.1 The term of this Agreement shall be fifteen (15) years from the Effective Date.\n\nSCHEDULE 1\n\n"
     "    Term: Three (3) years, after which the parties decide whether to continue the research plan.",
     D(2029, 2, 10), "P15Y"),
    # the dated item of "the later of: (a) <event> and (b) <date>" is the end the clause schedules
    (EFF + "The term of this Agreement shall commence on the Effective Date and shall expire upon the later of: (a) the "
     "conclusion of the 2016 racing season and (b) the last day in February, 2017.", D(2017, 2, 28), None),
    # a dated list item that is not an alternative for the end is not the expiration
    (EFF + "The term of this Agreement shall be five (5) years, and the fee is paid in two parts: (a) on signing and "
     "(b) on March 1, 2015.", D(2019, 2, 10), "P5Y"),
    # an "Expiration Date:" field in a laid-out list, at the end of the month N years on
    (EFF + "ADDENDUM\n\nHotel: Grand Plaza     Opening Date: n/a     Renovation Commencement Date: The Effective Date     "
     "Renovation Completion Date: In accordance with the attached plan     Expiration Date: at midnight on the last day "
     "of the month fifteen (15) years from the Effective Date     Monthly Fees: four percent of Gross Rooms Revenue.",
     D(2029, 2, 28), "P15Y"),
    # a month end named after the duration is about something else
    (EFF + "The term of this Agreement ends fifteen (15) years from the Effective Date, and fees are due on the last day "
     "of the month.", D(2029, 2, 10), "P15Y"),
    # "the date of its execution" is the signing, not an event
    (EFF + "This Agreement shall continue in effect for a period of one year from the date of its execution.",
     D(2015, 2, 10), "P1Y"),
    # "It shall be effective on … and shall have a duration of …" opening a term section speaks of the contract
    (EFF + "7. Term and termination\n\nThis contract replaces the earlier support annex.\n\nIt shall be effective on "
     "06 October 2014 and shall have a duration of two years.", D(2016, 10, 6), "P2Y"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expiration", "initial"), EXPIRATION, ids=range(len(EXPIRATION)))
def test_expiration_and_initial_term(text: str, expiration: dt.date | str, initial: str | None) -> None:
    out = kd(text)
    assert out.expiration_date == expiration
    assert out.initial_term == initial


EXPIRATION_NONE = [
    # survival and confidentiality periods are not the term
    EFF + "During the term of this Agreement and for a period of five (5) years thereafter, each party shall keep "
    "the other's information confidential.",
    # counted from an event the text does not date
    EFF + "The term of this Agreement shall be ten (10) years, which shall commence on the date upon which the "
    "Company delivers the last Sample.",
    EFF + "The parties shall meet every three (3) months.",
    # counted from an event ("after the date of such transfer"), not from the contract's start
    EFF + "The term of this Agreement and the covenants shall remain in effect for a period of ten (10) years after "
    "the date of such transfer.",
]


@pytest.mark.parametrize("text", EXPIRATION_NONE)
def test_no_expiration(text: str) -> None:
    assert kd(text).expiration_date is None


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        # a blank line ends a sentence ...
        ("The term is one year\n\nThe fees are due monthly.", False),
        ("The parties agree as follows\n\na. Supplier shall deliver the goods.", False),
        ("The parties agree as follows\n\n(ii) Supplier shall deliver the goods.", False),
        # ... unless a lower-case word carries the sentence on over a page break
        ("It shall be extended for a period of 12\n\n\n\n     months, each extension starting at the end of the term.", True),
    ],
)
def test_page_breaks_inside_a_sentence_do_not_split_it(text: str, joined: bool) -> None:
    start, end = _sentence(text, 5)
    assert (text.rstrip(".")[-6:] in text[start:end]) is joined


@pytest.mark.parametrize(
    ("opening", "leads"),
    [
        ("14.1 The term of this Agreement shall be", True),
        ("(a) The initial term shall", True),
        ("2. This Agreement shall commence", True),
        ("Term: three years", True),
        ("14.1 Terms of payment are", False),
        ("The terms and conditions", False),
        ("Thereafter, the term", False),
    ],
)
def test_a_clause_opening_with_the_term_ignores_its_number(opening: str, leads: bool) -> None:
    assert bool(_TERM_LEAD.match(opening)) is leads


# --- renewal ------------------------------------------------------------------------------------------
TERM5 = EFF + "1. Term. The initial term of this Agreement shall be five (5) years from the Effective Date. "
RENEWAL = [
    # text, renewal_term, auto_renewal, notice
    (TERM5 + "Thereafter, this Agreement shall automatically renew for successive one (1) year terms unless either "
     "party gives notice of non-renewal at least ninety (90) days prior to the end of the then-current term.",
     "P1Y", True, "P90D"),
    (TERM5 + "This Agreement shall automatically be renewed for additional successive terms of twelve (12) months each, "
     "unless either party notifies the other in writing at least sixty (60) days prior to the end of the Initial Term.",
     "P12M", True, "P60D"),
    # the notice that exercises an option is not a notice to stop a renewal (CUAD: "notice to terminate renewal")
    (TERM5 + "Distributor shall have the option to renew this Agreement for an additional three (3) year period by "
     "giving written notice at least six (6) months prior to the expiration of the Initial Term.",
     "P3Y", False, None),
    (TERM5 + "Franchisee may renew this Agreement for one additional term of five (5) years. Franchisor shall give "
     "notice of non-renewal not less than six (6) months prior to the expiration of the term.",
     "P5Y", False, "P6M"),
    (TERM5 + "Thereafter, this agreement will renew automatically from year to year. Either party may give written "
     "notice of non-renewal no later than thirty (30) days before the end of the then current term.",
     "P1Y", True, "P30D"),
    (TERM5 + "After the Initial Term, this Agreement shall continue on a month to month basis until terminated by "
     "either party.", "P1M", True, None),
    (TERM5 + "Thereafter, this Agreement shall continue in full force and effect until terminated by either party "
     "upon thirty (30) days' prior written notice.", "perpetual", True, "P30D"),
    (TERM5 + "The Initial Term shall automatically be extended for an additional period of half a year unless either "
     "party provides written notice at least 60 days prior to the end of such period.", "P6M", True, "P60D"),
    # a page break in mid-sentence ("for a period of 12 / months") does not end it; "extended automatically" word order
    (TERM5 + "Thereafter this Agreement shall be prolonged, or further extended automatically, for a period of 12\n\n\n\n"
     "     months each, unless either party serves written notice of termination at least 65 days prior to the end of "
     "the then current term.", "P12M", True, "P65D"),
    # a notice window "within a period of three (3) months following the renewal notice"
    (TERM5 + "Unless Customer notifies Supplier of its intent not to renew this Agreement in writing within a period of "
     "three (3) months following the Renewal Notice, this Agreement shall automatically renew at the end of the "
     "Initial Term for one (1) twelve-month period.", "P12M", True, "P3M"),
    # the non-renewal of an insurance policy is not a notice that stops this agreement's renewal
    (TERM5 + "Thereafter, this Agreement shall automatically renew for successive one (1) year terms.\n\nIn the event "
     "of cancellation or non-renewal of any insurance policy, sixty (60) days' advance written notice must be given "
     "to Franchisor.", "P1Y", True, None),
    # ... but "if neither party gives notice, then the Term renews" is an ordinary automatic renewal
    (TERM5 + "If neither party has given notice of non-renewal at least ninety (90) days before the end of the term, "
     "then the Term shall automatically renew for successive one (1) year periods.", "P1Y", True, "P90D"),
    # a franchise renews as a "successor franchise"; the look-ahead "immediately following" does not hide its period
    (TERM5 + "Upon the expiration of the initial term, Franchisee shall have the one time right to obtain a successor "
     "franchise for a single term of five (5) years immediately following the expiration of the initial term. "
     "Franchisor shall notify Franchisee of the nonrenewal not less than six (6) months prior to the expiration of "
     "the term.", "P5Y", False, "P6M"),
    # a named term the contract itself started ("the first paid (Initial) Support Term") is its own term when it renews
    (EFF + "No-charge support runs through the Warranty Period. The first paid (Initial) Support Term shall commence "
     "upon expiration of the Warranty Period and shall continue for twelve (12) months thereafter. Thereafter, the "
     "Support Term shall automatically renew for successive periods of 12 months unless Customer terminates the "
     "support services.", "P12M", True, None),
    # a blacked-out period: it renews by itself, for a period the filing does not show
    (TERM5 + "Unless terminated earlier, this Agreement will automatically renew for additional successive [***] terms "
     "unless either party gives notice of non-renewal at least [***] prior to the end of the then-current term.",
     None, True, None),
]  # fmt: skip


@pytest.mark.parametrize(("text", "term", "auto", "notice"), RENEWAL, ids=range(len(RENEWAL)))
def test_renewal(text: str, term: str | None, auto: bool, notice: str | None) -> None:
    out = kd(text)
    assert (out.renewal_term, out.auto_renewal, out.renewal_notice_period) == (term, auto, notice)


RENEWAL_NONE = [
    TERM5,
    # extensions that need both parties' agreement are not renewal terms
    TERM5 + "This Agreement may be renewed for an additional one year term upon mutual written agreement of the parties.",
    # an open-ended term is a perpetual term, not a renewal
    EFF + "This Agreement shall continue indefinitely until terminated by either party.",
    # renewal of an insurance policy is not the agreement's renewal
    TERM5 + "Supplier shall renew its insurance policies annually for successive one (1) year periods.",
    # "shall extend for" states the term itself
    EFF + "The Contract Term shall extend for a period of fifty (50) years.",
    # a blacked-out period in an optional renewal says nothing about how it renews
    TERM5 + "Distributor shall have the option to renew this Agreement for an additional [***] period by written notice.",
    # a named period the contract did not start is another period renewing
    TERM5 + "The Support Period shall automatically be extended for successive periods of six (6) months while "
    "repairs are pending.",
    # ... also when the predicate comes a long way after the period's name
    TERM5 + 'Customer may keep using the software for such period as it may require to move to another vendor (the '
    '"Transition Period"); the Transition Period will commence when Customer assumes control of the separate cluster '
    "and begins itself operating the search engine service, and will continue thereafter for eighteen (18) months.",
    # an extension that happens only if a condition holds is a contingency, not a renewal
    TERM5 + "If, at the expiration of the Initial Term, Buyer has not purchased the Minimum Quantity, then the Term of "
    "this Agreement shall automatically extend for an additional one (1) year period.",
    # a successor franchisee (a new owner) is not a renewal
    TERM5 + "Upon the expiration of the initial term, Franchisor may approve a successor franchisee for the Hotel for a "
    "term of ten (10) years.",
    # a look-back window ("the six years immediately preceding") is not a renewal period
    EFF + "This license will continue in effect until the last Patent expires and for any additional period thereafter "
    "in which a party may sue for infringement committed during the six years immediately preceding the suit.",
]


@pytest.mark.parametrize("text", RENEWAL_NONE, ids=range(len(RENEWAL_NONE)))
def test_no_renewal(text: str) -> None:
    out = kd(text)
    assert (out.renewal_term, out.auto_renewal) == (None, None)


# --- next notice deadline -----------------------------------------------------------------------------
AUTO = (TERM5 + "Thereafter, this Agreement shall automatically renew for successive one (1) year terms unless either "
        "party gives notice of non-renewal at least ninety (90) days prior to the end of the then-current term.")  # fmt: skip


@pytest.mark.parametrize(
    ("as_of", "deadline"),
    [
        (D(2018, 1, 1), D(2018, 11, 12)),  # before the first expiry (2019-02-10): 90 days earlier
        (D(2018, 11, 12), D(2018, 11, 12)),  # the deadline day itself still counts
        (D(2018, 11, 13), D(2019, 11, 12)),  # too late for this expiry: roll to the next renewal
        (D(2023, 6, 1), D(2023, 11, 12)),  # several renewals later
    ],
)
def test_next_notice_deadline_rolls_through_renewals(as_of: dt.date, deadline: dt.date) -> None:
    assert kd(AUTO, as_of=as_of).next_renewal_notice_deadline == deadline


def test_no_deadline_without_reference_date_or_after_a_final_term() -> None:
    assert kd(AUTO).next_renewal_notice_deadline is None  # as_of not given: never today's clock
    assert next_notice_deadline(D(2019, 2, 10), None, "P90D", D(2019, 1, 1)) is None  # past the only deadline
    assert next_notice_deadline("perpetual", "P1Y", "P90D", D(2019, 1, 1)) is None
    assert next_notice_deadline(D(2019, 2, 10), "perpetual", "P30D", D(2020, 1, 1)) is None


@pytest.mark.parametrize(
    ("start", "amount", "unit", "sign", "expected"),
    [
        (D(2019, 1, 31), 1, "months", 1, D(2019, 2, 28)),
        (D(2020, 2, 29), 1, "years", 1, D(2021, 2, 28)),
        (D(2019, 5, 31), 3, "months", -1, D(2019, 2, 28)),
        (D(2019, 6, 14), 10, "business_days", -1, D(2019, 5, 31)),
        (D(2019, 1, 1), 2, "quarters", 1, D(2019, 7, 1)),
        (D(2019, 1, 1), 6, "weeks", 1, D(2019, 2, 12)),
    ],
)
def test_add_duration(start: dt.date, amount: int, unit: str, sign: int, expected: dt.date) -> None:
    assert add_duration(start, amount, unit, sign) == expected


def test_explain_gives_the_clause_each_value_came_from() -> None:
    out, evidence = explain_key_dates(AUTO)
    assert out.expiration_date == D(2019, 2, 10)
    assert "five (5) years" in evidence["expiration_date"]
    assert "automatically renew" in evidence["renewal_term"]
    assert "ninety (90) days" in evidence["renewal_notice_period"]


@pytest.mark.xfail(strict=True, reason="a term counted from an event (launch, first sale) is not dated; CUAD often dates it from the effective date")
def test_term_from_an_event_is_dated_from_the_effective_date() -> None:
    text = EFF + "The initial term of this Agreement will end twelve (12) months after the Launch."
    assert kd(text).expiration_date == D(2015, 2, 10)


@pytest.mark.parametrize(
    "text",
    ["", "   \n\f  ", "no dates or terms at all", "1999 2000 2001 " * 2000, "[•], 20__ ____ " * 500,
     "This Agreement shall automatically renew for successive one (1) month periods. " * 300],
    ids=["empty", "blank", "plain", "numbers", "blanks", "repetitive"],
)  # fmt: skip
def test_odd_input_never_raises(text: str) -> None:
    out = get_key_dates(text, as_of=D(2026, 12, 1))
    assert out.expiration_date is None or isinstance(out.expiration_date, (dt.date, str))


def test_far_future_reference_date_does_not_overflow() -> None:
    assert next_notice_deadline(D(2019, 2, 10), "P1M", "P30D", D(9999, 12, 1)) is None
