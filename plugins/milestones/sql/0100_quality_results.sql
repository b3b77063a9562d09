-- Great Expectations results of every gate run, one row per expectation (warnings and passes included),
-- so data quality is queryable beside the data: extraction batches, the register and the marts.
create table raw.quality_results (
    result_id varchar primary key,     -- hash of (run_id, suite, batch, expectation)
    run_id varchar not null,           -- nightly__<date> for extraction/register, the Airflow run for marts
    suite varchar not null,            -- <asset>__<purpose>
    batch varchar not null,            -- the extraction batch file, or the table/mart validated
    expectation varchar not null,      -- expectation type and arguments
    severity varchar not null,         -- critical | warning
    success boolean not null,
    observed varchar,                  -- unexpected count and examples, or the observed value
    rows_evaluated bigint,
    validated_at timestamp not null
);
