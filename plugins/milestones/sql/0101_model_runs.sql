-- One row per register_models run (dbt build → gate → publish): which reference date it built, whether it
-- published, and a fingerprint of the published marts (equal fingerprints = byte-identical ordered marts).
-- Publish refuses to copy marts that another run rebuilt for a different date in between.
create table raw.model_runs (
    run_id varchar primary key,        -- the Airflow run id (or a caller's id)
    as_of date not null,
    run_type varchar,                  -- scheduled | asset_triggered | backfill | manual | test
    status varchar not null,           -- running | published | failed
    started_at timestamp not null,
    finished_at timestamp,
    published_path varchar,
    marts_fingerprint varchar,
    message varchar
);
