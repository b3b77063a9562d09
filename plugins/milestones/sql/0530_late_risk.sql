-- Late-risk model (issue #9 part 5): the history it learns from and the scores it writes.

-- One row per completed obligation of the past (the demo writes a seeded synthetic history,
-- plugins/milestones/risk_history.py). Lateness is completed_on > due_date; it is not stored.
create table raw.obligation_history (
    obligation_id varchar primary key,
    counterparty varchar not null,
    obligation_type varchar not null,
    owner varchar not null,
    created_on date not null,          -- when the obligation (and its task) became known
    due_date date not null,
    completed_on date not null,
    dependency_depth integer not null, -- milestones upstream of it in its dependency chain
    source varchar not null            -- synthetic:<generator version>:<seed> | register
);

-- The task's state as the project-management tool reported it, one row per snapshot (weekly pull).
create table raw.obligation_history_snapshots (
    obligation_id varchar not null,
    snapshot_date date not null,
    task_status varchar not null,      -- not_started | in_progress | done
    progress_pct integer,
    primary key (obligation_id, snapshot_date)
);

-- One row per open occurrence scored on a reference date; mart_at_risk reads the row for its as_of.
create table raw.obligation_risk (
    as_of_date date not null,
    occurrence_id varchar not null,
    milestone_id varchar not null,
    late_risk_score double not null,   -- calibrated probability of completing after the due date
    late_risk_reasons varchar,         -- top feature contributions, in words, '; '-separated
    model_version varchar not null,
    scored_at timestamp not null,
    primary key (as_of_date, occurrence_id)
);
