"""Great Expectations suites as code: each function returns a suite named `<asset>__<purpose>`.

dbt tests own keys, relationships and accepted values; these suites own plausibility (date windows,
confidence ranges, empty evidence, volumes, null rates, cross-mart consistency). Severity `critical` stops
the batch; `warning` is recorded. The GX JSON is generated at run time, never committed.
"""

from .suites import *  # noqa: F403
from .suites import __all__  # noqa: F401
