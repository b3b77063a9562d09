"""The suites. Column names refer to the DataFrames built in plugins/milestones/quality.py."""

from __future__ import annotations

from collections.abc import Callable

import great_expectations as gx
import great_expectations.expectations as gxe

from extractors.schema import OBLIGATION_TYPES

__all__ = ["SUITES", "extraction__plausibility", "fct_obligations__plausibility", "mart_upcoming__plausibility"]

CRITICAL = "critical"
WARNING = "warning"


def extraction__plausibility() -> gx.ExpectationSuite:
    """Extraction output before it is loaded: one row per extracted milestone."""
    suite = gx.ExpectationSuite(name="extraction__plausibility")
    for column in ("contract_id", "obligation_type", "confidence", "source_text", "due_date_days_from_1970"):
        suite.add_expectation(gxe.ExpectColumnToExist(column=column, severity=CRITICAL))
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="contract_id", severity=CRITICAL))
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeInSet(column="obligation_type", value_set=list(OBLIGATION_TYPES), severity=CRITICAL)
    )
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(column="confidence", min_value=0.0, max_value=1.0, severity=CRITICAL)
    )
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="source_text", severity=CRITICAL))
    suite.add_expectation(
        gxe.ExpectColumnValueLengthsToBeBetween(column="source_text", min_value=8, max_value=20000, severity=CRITICAL)
    )
    # A due date before 1950 or after 2150 is a parse error, not a contract term.
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(
            column="due_date_days_from_1970", min_value=-7305, max_value=65745, severity=CRITICAL
        )
    )
    # Due dates should sit within the contract's term, give or take two years (renewals, survival).
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeInSet(column="due_within_term_window", value_set=[True], mostly=0.9, severity=WARNING)
    )
    # Volume vs the previous extraction of the same contracts: a sudden halving or doubling is suspicious.
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(
            column="count_ratio_vs_last_run", min_value=0.5, max_value=2.0, mostly=0.8, severity=WARNING
        )
    )
    return suite


def fct_obligations__plausibility() -> gx.ExpectationSuite:
    suite = gx.ExpectationSuite(name="fct_obligations__plausibility")
    suite.add_expectation(gxe.ExpectTableRowCountToBeBetween(min_value=1, max_value=50_000_000, severity=WARNING))
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(column="confidence", min_value=0.0, max_value=1.0, severity=CRITICAL)
    )
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(column="days_until_due", min_value=-73000, max_value=73000, severity=CRITICAL)
    )
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="obligation_status", severity=CRITICAL))
    suite.add_expectation(gxe.ExpectColumnMeanToBeBetween(column="confidence", min_value=0.3, max_value=1.0, severity=WARNING))
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="due_date", mostly=0.5, severity=WARNING))
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


SUITES: dict[str, Callable[[], gx.ExpectationSuite]] = {
    "extraction": extraction__plausibility,
    "fct_obligations": fct_obligations__plausibility,
    "mart_upcoming_deadlines": mart_upcoming__plausibility,
}
