-- Status update drafts: an e-mail to a counterparty summarising its upcoming and late obligations, written
-- from marts.fct_obligations for a person to review, edit and send themselves. Never sent by the pipeline:
-- there is no "sent" state and no outbox row.
create table raw.status_drafts (
    draft_id varchar primary key,
    counterparty_id varchar,
    counterparty varchar not null,
    as_of date not null,               -- the register's reference date the facts are as of
    horizon_days integer not null,     -- "upcoming" = open and due within this many days of as_of
    subject varchar not null,
    body_text varchar not null,
    facts json not null,               -- the occurrences summarised (ids, dates, status) — what the text says
    late_count integer not null,
    upcoming_count integer not null,
    waiting_count integer not null,
    excluded_unreviewed integer not null,
    status varchar not null,           -- draft | discarded
    source_snapshot varchar,           -- warehouse | published: which copy the facts were read from
    created_by varchar not null,
    created_at timestamp not null,
    discarded_by varchar,
    discarded_at timestamp
);
