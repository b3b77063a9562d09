"""The suites. Column names refer to the DataFrames built in plugins/milestones/quality.py (one builder per
suite, named in SUITES), where derived columns (a due date in days, "notice deadline before term end") are
computed so each check here is a plain column expectation.

Severity `critical` stops the batch (extraction: quarantined, not loaded; register/marts: nothing is
published, fan-out does not run); `warning` is recorded in raw.quality_results and the task log.
"""

from __future__ import annotations

from collections.abc import Callable

import great_expectations as gx
import great_expectations.expectations as gxe

from extractors.schema import OBLIGATION_TYPES

__all__ = [
    "SUITES",
    "CRITICAL",
    "WARNING",
    "extraction__plausibility",
    "register__integrity",
    "register_milestones__plausibility",
    "fct_obligations__plausibility",
    "mart_upcoming__plausibility",
    "mart_renewal_windows__plausibility",
    "mart_payment_schedule__plausibility",
    "mart_sla_performance__plausibility",
    "mart_obligation_health__plausibility",
    "marts__consistency",
]

CRITICAL = "critical"
WARNING = "warning"

# Due dates outside 1950-2150 are parse errors, not contract terms (days since 1970-01-01).
_FIRST_PLAUSIBLE_DAY = -7305
_LAST_PLAUSIBLE_DAY = 65745


def extraction__plausibility() -> gx.ExpectationSuite:
    """Extraction output before it is loaded: one row per extracted milestone."""
    suite = gx.ExpectationSuite(name="extraction__plausibility")
    for column in ("contract_id", "schema_problems", "obligation_type", "confidence", "source_text",
                   "due_date_days_from_1970", "due_date_parseable", "due_within_term_window",
                   "count_ratio_vs_last_run"):  # fmt: skip
        suite.add_expectation(gxe.ExpectColumnToExist(column=column, severity=CRITICAL))
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="contract_id", severity=CRITICAL))
    # record shape: the keys and types the loader relies on (listed per row when missing)
    suite.add_expectation(gxe.ExpectColumnValuesToBeNull(column="schema_problems", severity=CRITICAL))
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeInSet(column="obligation_type", value_set=list(OBLIGATION_TYPES), severity=CRITICAL)
    )
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="confidence", severity=CRITICAL))
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(column="confidence", min_value=0.0, max_value=1.0, severity=CRITICAL)
    )
    # no empty evidence: every obligation must quote the sentence it came from
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="source_text", severity=CRITICAL))
    suite.add_expectation(
        gxe.ExpectColumnValueLengthsToBeBetween(column="source_text", min_value=8, max_value=20000, severity=CRITICAL)
    )
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="due_date_parseable", value_set=[True], severity=CRITICAL))
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(
            column="due_date_days_from_1970", min_value=_FIRST_PLAUSIBLE_DAY, max_value=_LAST_PLAUSIBLE_DAY,
            severity=CRITICAL,
        )
    )  # fmt: skip
    # Due dates should sit within the contract's term, give or take two years (renewals, survival clauses).
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeInSet(column="due_within_term_window", value_set=[True], mostly=0.9, severity=WARNING)
    )
    # Volume vs the previous extraction of the same contracts: a sudden halving or doubling is suspicious.
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(
            column="count_ratio_vs_last_run", min_value=0.5, max_value=2.0, mostly=0.8, severity=WARNING
        )
    )
    suite.add_expectation(gxe.ExpectColumnMeanToBeBetween(column="confidence", min_value=0.3, max_value=1.0, severity=WARNING))
    return suite


def register__integrity() -> gx.ExpectationSuite:
    """The register as a whole: one summary row (see quality.register_summary_frame)."""
    suite = gx.ExpectationSuite(name="register__integrity")
    # every milestone has at least its insert in the append-only audit log
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="unaudited_milestones", min_value=0, max_value=0,
                                                            severity=CRITICAL))  # fmt: skip
    # the last load may not have failed its gate (fan-out must not act on a half-loaded night)
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeInSet(column="latest_run_status", value_set=["loaded", "none"], severity=CRITICAL)
    )
    # a source that suddenly lists half the contracts as gone is a missing mount, not a mass termination
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(column="soft_deleted_share_latest_run", min_value=0.0, max_value=0.5,
                                          severity=CRITICAL)
    )  # fmt: skip
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(column="pending_review_share", min_value=0.0, max_value=0.9, severity=WARNING)
    )
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(column="milestones_per_contract", min_value=0.5, max_value=60, severity=WARNING)
    )
    return suite


def register_milestones__plausibility() -> gx.ExpectationSuite:
    """raw.milestones as stored (any writer: loader, reviewers, API): one row per live milestone."""
    suite = gx.ExpectationSuite(name="register_milestones__plausibility")
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(column="confidence", min_value=0.0, max_value=1.0, severity=CRITICAL)
    )
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(column="due_date_days_from_1970", min_value=_FIRST_PLAUSIBLE_DAY,
                                          max_value=_LAST_PLAUSIBLE_DAY, severity=CRITICAL)
    )  # fmt: skip
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="source_text", mostly=0.99, severity=WARNING))
    return suite


def fct_obligations__plausibility() -> gx.ExpectationSuite:
    suite = gx.ExpectationSuite(name="fct_obligations__plausibility")
    suite.add_expectation(gxe.ExpectTableRowCountToBeBetween(min_value=1, max_value=50_000_000, severity=WARNING))
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(column="confidence", min_value=0.0, max_value=1.0, severity=CRITICAL)
    )
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(column="due_date_days_from_1970", min_value=_FIRST_PLAUSIBLE_DAY,
                                          max_value=_LAST_PLAUSIBLE_DAY, severity=CRITICAL)
    )  # fmt: skip
    # days_until_due must agree with the due date and the reference date
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="days_until_due_consistent", value_set=[True],
                                                          severity=CRITICAL))  # fmt: skip
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="obligation_status", severity=CRITICAL))
    suite.add_expectation(gxe.ExpectColumnMeanToBeBetween(column="confidence", min_value=0.3, max_value=1.0, severity=WARNING))
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="due_date", mostly=0.5, severity=WARNING))
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="is_default_owner", value_set=[False], mostly=0.5,
                                                          severity=WARNING))  # fmt: skip
    return suite


def mart_upcoming__plausibility() -> gx.ExpectationSuite:
    suite = gx.ExpectationSuite(name="mart_upcoming_deadlines__plausibility")
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(column="obligation_count", min_value=1, max_value=10_000_000, severity=CRITICAL)
    )
    suite.add_expectation(
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="obligation_count", column_B="awaiting_review_count", or_equal=True, severity=CRITICAL
        )
    )
    return suite


def mart_renewal_windows__plausibility() -> gx.ExpectationSuite:
    suite = gx.ExpectationSuite(name="mart_renewal_windows__plausibility")
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="notice_not_after_term_end", value_set=[True],
                                                          severity=CRITICAL))  # fmt: skip
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="days_until_term_end", min_value=0, max_value=73000,
                                                            severity=CRITICAL))  # fmt: skip
    return suite


def mart_payment_schedule__plausibility() -> gx.ExpectationSuite:
    suite = gx.ExpectationSuite(name="mart_payment_schedule__plausibility")
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="amount", min_value=0, severity=CRITICAL))
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="percentage", min_value=0, max_value=100,
                                                            severity=CRITICAL))  # fmt: skip
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="expected_date", mostly=0.3, severity=WARNING))
    return suite


def mart_sla_performance__plausibility() -> gx.ExpectationSuite:
    suite = gx.ExpectationSuite(name="mart_sla_performance__plausibility")
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="attainment_rate", min_value=0.0, max_value=1.0,
                                                            severity=CRITICAL))  # fmt: skip
    suite.add_expectation(
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="incident_count", column_B="breach_count", or_equal=True,
                                                    severity=CRITICAL)
    )  # fmt: skip
    return suite


def mart_obligation_health__plausibility() -> gx.ExpectationSuite:
    suite = gx.ExpectationSuite(name="mart_obligation_health__plausibility")
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="parts_sum_to_total", value_set=[True], severity=CRITICAL))
    suite.add_expectation(gxe.ExpectTableRowCountToBeBetween(min_value=13, max_value=1000, severity=WARNING))
    return suite


def mart_milestone_dependencies__links() -> gx.ExpectationSuite:
    """Dependency links that cannot be followed are reported (warnings), never followed: a cycle or a milestone
    naming itself is a structural problem; a dangling or ambiguous name needs a reviewer to set the date."""
    suite = gx.ExpectationSuite(name="mart_milestone_dependencies__links")
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeInSet(column="dependency_status",
                                                             value_set=["cycle", "self_reference"], severity=WARNING))  # fmt: skip
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeInSet(column="dependency_status",
                                                             value_set=["dangling", "ambiguous"], severity=WARNING))  # fmt: skip
    return suite


def marts__consistency() -> gx.ExpectationSuite:
    """One row per mart (see quality.marts_summary_frame): built for the run's reference date, not empty."""
    suite = gx.ExpectationSuite(name="marts__consistency")
    # every mart was built for this run's date (another run did not rebuild some of them in between)
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="as_of_matches_run", value_set=[True], severity=CRITICAL))
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="row_count", min_value=1, severity=WARNING))
    return suite


SUITES: dict[str, Callable[[], gx.ExpectationSuite]] = {
    "extraction": extraction__plausibility,
    "register": register__integrity,
    "register_milestones": register_milestones__plausibility,
    "fct_obligations": fct_obligations__plausibility,
    "mart_upcoming_deadlines": mart_upcoming__plausibility,
    "mart_renewal_windows": mart_renewal_windows__plausibility,
    "mart_payment_schedule": mart_payment_schedule__plausibility,
    "mart_sla_performance": mart_sla_performance__plausibility,
    "mart_obligation_health": mart_obligation_health__plausibility,
    "mart_milestone_dependencies": mart_milestone_dependencies__links,
    "marts": marts__consistency,
}
