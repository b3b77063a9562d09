-- Contracts pulled from CLM systems (Ironclad, DocuSign CLM, …): what was pulled, and what was written back.
-- raw.watermarks (0001) holds the resume points: '<source>:updated' (last landed record's update time, ISO)
-- and '<source>:backlog' (next page of a full backlog pass).

create table raw.source_items (
    source varchar not null,           -- ironclad | docusign_clm
    item_id varchar not null,          -- the record's id in the source (Ironclad record id, CLM document id)
    contract_id varchar not null,      -- register id: <source>-<external id>, also the staged file's stem
    external_ref varchar,              -- Ironclad ID (IC-123) or the CLM document Href
    name varchar,
    source_version varchar,            -- the source's update time for the version pulled (lastUpdated, UpdatedDate)
    staged_path varchar,               -- the file in the staging inbox
    content_hash varchar,              -- sha256 of the staged bytes
    size_bytes bigint,
    parent_ref varchar,                -- the parent record the source itself links to, if any
    status varchar not null,           -- staged | failed
    last_error varchar,
    pulled_at timestamp not null,
    primary key (source, item_id)
);

create table raw.source_pulls (
    pull_id varchar primary key,
    source varchar not null,
    mode varchar not null,             -- incremental | backlog | record
    started_at timestamp not null,
    finished_at timestamp,
    watermark_before varchar,
    watermark_after varchar,
    pages integer,
    listed integer,
    downloaded integer,
    skipped integer,
    failed integer,
    status varchar not null,           -- running | complete | failed
    error varchar
);

create table raw.source_writebacks (
    source varchar not null,
    item_id varchar not null,
    contract_id varchar not null,
    payload_hash varchar,              -- sha256 of the last payload the source accepted: same hash → not sent again
    payload json,
    status varchar not null,           -- written | failed
    http_status integer,
    last_error varchar,
    attempts integer not null default 0,
    run_id varchar,
    written_at timestamp,
    primary key (source, item_id)
);
