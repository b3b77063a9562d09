-- Register core tables (the raw layer written by the loader).
create schema if not exists raw;

create table raw.extraction_runs (
    run_id varchar primary key,
    logical_date date not null,
    started_at timestamp not null,
    finished_at timestamp,
    extractor_version varchar,
    model_version varchar,
    contracts_seen integer,
    contracts_processed integer,
    contracts_skipped integer,
    contracts_quarantined integer,
    milestones_loaded integer,
    status varchar not null            -- running | loaded | gate_failed | failed
);

create table raw.contracts (
    contract_id varchar primary key,
    title varchar,
    source_system varchar not null,    -- folder | ironclad | docusign_clm | api
    source_ref varchar,                -- path or record id in the source
    counterparty varchar,
    parties json,
    contract_type varchar,
    parent_contract_id varchar,        -- set for amendments
    current_document_id varchar,
    status varchar not null,           -- active | deleted
    first_seen_run varchar,
    last_seen_run varchar,
    deleted_at timestamp,
    updated_at timestamp not null
);

create table raw.documents (
    document_id varchar primary key,   -- sha256 of the file bytes
    contract_id varchar not null,
    path varchar not null,
    mime varchar,
    pages integer,
    size_bytes bigint,
    ocr_confidence double,
    extractor_version varchar,
    model_version varchar,
    warnings json,
    first_seen_run varchar,
    last_processed_run varchar,
    processed_at timestamp
);

create table raw.key_dates (
    contract_id varchar primary key,
    agreement_date date,
    effective_date date,
    expiration_date date,
    is_perpetual boolean,
    initial_term varchar,
    renewal_term varchar,
    auto_renewal boolean,
    renewal_notice_period varchar,
    next_renewal_notice_deadline date,
    run_id varchar,
    updated_at timestamp not null
);

create table raw.milestones (
    milestone_id varchar primary key,  -- stable key: contract + type + normalised evidence (+ part)
    contract_id varchar not null,
    milestone_name varchar,
    deliverable varchar,
    due_date date,
    responsible_party varchar,
    condition varchar,
    clause_reference varchar,
    obligation_type varchar not null,
    rule_kind varchar,
    rule_amount integer,
    rule_unit varchar,
    rule_direction varchar,
    rule_anchor varchar,
    rule_frequency varchar,
    rule_date date,
    recurrence varchar,
    amount decimal(18, 2),
    currency varchar,
    percentage decimal(9, 4),
    depends_on varchar,
    confidence double,
    needs_review boolean,
    source_text varchar,
    span_start integer,
    span_end integer,
    page integer,
    document_id varchar,
    origin varchar not null,           -- machine | human
    lifecycle_status varchar not null, -- open | completed | cancelled | removed
    review_status varchar not null,    -- not_required | pending | approved | rejected | edited | rereview
    human_fields json,                 -- {"due_date": "2027-01-31", ...} values a reviewer decided
    machine_proposal json,             -- latest machine values for fields a human decided
    completed_at timestamp,
    first_seen_run varchar,
    last_seen_run varchar,
    updated_at timestamp not null
);

create table raw.evidence (
    milestone_id varchar not null,
    contract_id varchar not null,
    document_id varchar,
    page integer,
    span_start integer,
    span_end integer,
    text varchar,
    run_id varchar,
    primary key (milestone_id)
);

create table raw.review_decisions (
    decision_id varchar primary key,
    milestone_id varchar not null,
    contract_id varchar not null,
    decision varchar not null,         -- approve | edit | reject | add
    decided_by varchar not null,
    decided_at timestamp not null,
    before json,
    after json,
    comment varchar
);

create sequence raw.audit_seq start 1;
create table raw.audit_log (
    audit_id bigint primary key default nextval('raw.audit_seq'),
    recorded_at timestamp not null,
    actor varchar not null,            -- extractor@<version> | user name | fanout | status_pull
    action varchar not null,           -- insert | update | remove | decision | quarantine | send | ...
    entity varchar not null,
    entity_id varchar not null,
    run_id varchar,
    before json,
    after json
);

create table raw.quarantine (
    quarantine_id varchar primary key,
    run_id varchar not null,
    stage varchar not null,            -- ingest | extract | gate
    contract_id varchar,
    source_path varchar,
    content_hash varchar,
    reason varchar not null,
    message varchar not null,
    quarantined_at timestamp not null,
    resolved_at timestamp,
    resolved_by_run varchar
);

create table raw.pm_tasks (
    task_key varchar primary key,      -- occurrence key + system
    occurrence_key varchar not null,
    milestone_id varchar not null,
    system varchar not null,           -- jira | asana | outbox
    external_id varchar,
    external_url varchar,
    status varchar,                    -- not_started | in_progress | done | cancelled
    due_date date,
    assignee varchar,
    completed_at timestamp,
    synced_at timestamp
);

create table raw.itsm_incidents (
    incident_id varchar primary key,
    contract_id varchar,
    service varchar,
    priority varchar,
    opened_at timestamp,
    resolved_at timestamp,
    response_breached boolean,
    resolution_breached boolean,
    pulled_at timestamp
);

create table raw.outbox (
    message_id varchar primary key,    -- hash of (occurrence_key, channel, threshold)
    occurrence_key varchar not null,
    milestone_id varchar not null,
    channel varchar not null,          -- slack | teams | email | ics | jira | asana | outbox
    threshold varchar not null,        -- d90 | d60 | ... | d0 | overdue_7 | escalation | renewal_d120
    recipient varchar,
    payload json,
    status varchar not null,           -- pending | sending | sent | failed | delivery_unknown | suppressed
    attempts integer not null default 0,
    last_error varchar,
    external_id varchar,
    created_run varchar,
    created_at timestamp not null,
    sent_at timestamp
);

create table raw.watermarks (
    source varchar primary key,
    value varchar,
    updated_at timestamp not null
);

create table raw.business_calendar (
    calendar_date date primary key,
    is_business_day boolean not null,
    holiday_name varchar
);
