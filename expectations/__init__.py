"""Great Expectations suites as code: each function returns a suite named `<asset>__<purpose>`.

dbt tests own keys, relationships and accepted values; these suites own plausibility (date windows,
confidence ranges, empty evidence, volumes, null rates). Severity `critical` stops the batch; `warning` is
recorded. The GX JSON is generated at run time, never committed.
"""

from .suites import SUITES, extraction__plausibility, fct_obligations__plausibility, mart_upcoming__plausibility

__all__ = ["SUITES", "extraction__plausibility", "fct_obligations__plausibility", "mart_upcoming__plausibility"]
