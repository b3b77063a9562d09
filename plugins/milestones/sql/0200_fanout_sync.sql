-- Fan-out and status sync (issue #5): delivery bookkeeping, task sync state, calendar events, run log.

-- raw.outbox: which transport took the message, when to retry, and enough context to read a row alone.
alter table raw.outbox add column kind varchar;               -- reminder | overdue | escalation
alter table raw.outbox add column contract_id varchar;
alter table raw.outbox add column due_date date;
alter table raw.outbox add column transport varchar;          -- local | slack_webhook | slack_api | teams_workflow | smtp
alter table raw.outbox add column next_attempt_at timestamp;  -- a failed (or deferred) send is retried from then on
alter table raw.outbox add column updated_at timestamp;

-- raw.pm_tasks: one task per obligation (one-off) or occurrence (recurring) per system.
alter table raw.pm_tasks add column obligation_key varchar;   -- stays the same when a one-off's due date moves
alter table raw.pm_tasks add column contract_id varchar;
alter table raw.pm_tasks add column project varchar;          -- Jira project key / Asana project gid
alter table raw.pm_tasks add column sync_state varchar;       -- creating | synced | failed | closed
alter table raw.pm_tasks add column pushed_hash varchar;      -- hash of the fields last written to the tool
alter table raw.pm_tasks add column external_status varchar;  -- the tool's own status name
alter table raw.pm_tasks add column last_error varchar;
alter table raw.pm_tasks add column created_at timestamp;
alter table raw.pm_tasks add column updated_at timestamp;

-- raw.itsm_incidents: what the ServiceNow pull adds beyond the core columns.
alter table raw.itsm_incidents add column number varchar;
alter table raw.itsm_incidents add column state varchar;
alter table raw.itsm_incidents add column source varchar;     -- servicenow
alter table raw.itsm_incidents add column source_updated_at timestamp;

-- One row per calendar event we publish (.ics feeds, Google, Graph). UID never changes; SEQUENCE does.
create table raw.calendar_events (
    uid varchar primary key,
    obligation_key varchar not null,
    occurrence_key varchar,
    milestone_id varchar not null,
    contract_id varchar not null,
    owner varchar,
    due_date date,
    summary varchar,
    description varchar,
    url varchar,
    alarms varchar,                    -- days before due, comma-separated
    status varchar not null,           -- confirmed | cancelled
    sequence integer not null,
    content_hash varchar not null,
    google_event_id varchar,
    google_hash varchar,
    graph_event_id varchar,
    graph_hash varchar,
    last_error varchar,
    created_at timestamp not null,
    updated_at timestamp not null
);

-- Obligations that fell to the default owner (no owner_map rule matched), as of the last fan-out run.
create table raw.unmapped_obligations (
    occurrence_id varchar primary key,
    milestone_id varchar not null,
    contract_id varchar not null,
    obligation_type varchar,
    responsible_party varchar,
    counterparty varchar,
    assigned_owner varchar,
    due_date date,
    run_id varchar not null,
    as_of date not null
);

-- One row per fan-out / status-pull run with its counts.
create table raw.fanout_runs (
    run_id varchar not null,
    job varchar not null,              -- fanout | status_pull
    as_of date,
    started_at timestamp not null,
    finished_at timestamp,
    counts json,
    primary key (run_id, job)
);
