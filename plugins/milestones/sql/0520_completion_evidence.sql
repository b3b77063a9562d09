-- Completion evidence (issue 9 part 4): documents that prove an obligation was met (insurance certificates,
-- audit reports, delivered reports), what was read from them, and each obligation's evidence status.
-- Originals are never moved or changed: a row points at the file and carries the sha256 of its bytes.

create table raw.evidence_documents (
    evidence_id varchar primary key,   -- hash of (contract_id, target, content_hash)
    contract_id varchar not null,
    target varchar,                    -- milestone id or obligation type (folder name); null = from the document
    content_hash varchar not null,     -- sha256 of the original bytes
    path varchar not null,
    file_name varchar not null,
    size_bytes bigint,
    mime varchar,
    source varchar not null,           -- folder | upload | clm
    uploaded_by varchar,
    evidence_kind varchar,             -- insurance_certificate | audit_report | report
    facts json,                        -- policies (insurer, number, coverage, limits, dates) or report period/issue date
    status varchar not null,           -- read | quarantined | gone
    problem varchar,                   -- why it could not be read (quarantined)
    reader_version varchar,
    first_seen_run varchar,
    last_seen_run varchar,
    read_at timestamp,
    updated_at timestamp not null
);

create table raw.obligation_evidence (
    milestone_id varchar primary key,
    contract_id varchar not null,
    obligation_type varchar not null,
    evidence_status varchar not null,  -- evidence_ok | evidence_insufficient | evidence_missing
    reason varchar,                    -- why insufficient (or missing)
    evidence_id varchar,               -- the document the status rests on
    evidence_ids json,                 -- every document attached to the obligation
    required json,                     -- what was checked: minimum limits, term end, periods
    found json,                        -- facts of the deciding document
    as_of date,
    assessed_run varchar,
    assessed_at timestamp not null
);

create table raw.evidence_requirements (
    contract_id varchar primary key,
    document_id varchar,               -- the contract document the requirements were read from
    requirements json,                 -- minimum coverages stated in the contract
    problem varchar,
    read_at timestamp not null
);
