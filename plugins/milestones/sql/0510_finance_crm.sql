-- Milestone-to-finance and renewals-into-CRM (issue 9, parts 2 and 3).
-- One row per request we send to a billing/ERP system (draft invoice) or a CRM (opportunity/deal update,
-- renewal task). Same columns and state machine as raw.outbox (milestones.fanout.outbox.OutboxStore with
-- table='raw.finance_crm_outbox'), kept apart so the alert sweep never suppresses a pending invoice.
create table raw.finance_crm_outbox (
    message_id varchar primary key,    -- hash of (occurrence_key, channel, threshold); also the idempotency key
    occurrence_key varchar not null,   -- payment occurrence id | renewal_window_id
    milestone_id varchar not null,     -- payment milestone | the contract's renewal/notice milestone (or contract id)
    contract_id varchar,
    channel varchar not null,          -- invoice | crm_update | crm_task
    threshold varchar not null,        -- trigger:<milestone_id> | term:<term end> | content hash of an update
    kind varchar,                      -- draft_invoice | opportunity_update | renewal_task
    recipient varchar,                 -- ERP customer/account id | CRM opportunity/deal id
    due_date date,                     -- invoice date | task due date | notice deadline
    payload json,                      -- the system-neutral request (amount, currency, dates, stage suggestion…)
    status varchar not null,           -- pending | sending | sent | failed | delivery_unknown | suppressed
    attempts integer not null default 0,
    last_error varchar,
    external_id varchar,               -- netsuite:salesOrder/123 | zuora:<invoice id> | salesforce:00T… | file:…
    transport varchar,                 -- netsuite | zuora | salesforce | hubspot | local
    next_attempt_at timestamp,
    created_run varchar,
    created_at timestamp not null,
    sent_at timestamp,
    updated_at timestamp,
    -- typed copies of the payload for the marts (invoice rows only)
    amount decimal(18, 2),
    currency varchar
);
