-- Amendments: which contract an amendment amends, which of the parent's milestones it replaces, and the
-- key dates in force once amendments apply. Nothing is deleted or duplicated: a replaced milestone keeps its
-- row (and history) and points at the amendment milestone that carries the obligation now.

alter table raw.milestones add column superseded_by_contract_id varchar;  -- the amendment; null = in force
alter table raw.milestones add column superseded_by_milestone_id varchar; -- the amendment's milestone now in force
alter table raw.milestones add column superseded_reason varchar;          -- amended | restated_in_amendment
alter table raw.milestones add column superseded_at timestamp;
alter table raw.milestones add column due_date_derived_from varchar;    -- parent whose amended key dates gave due_date

create table raw.contract_amendments (
    amendment_contract_id varchar primary key,
    parent_contract_id varchar,        -- null until a parent is found
    status varchar not null,           -- linked | unresolved | ambiguous | manual (set by hand: never relinked)
    label varchar,                     -- "Amendment No. 1"
    amendment_number integer,
    amendment_date date,               -- the amendment's own agreement (else effective) date: orders amendments
    cited_title varchar,               -- how the amendment names its parent
    cited_date date,
    cited_alias varchar,
    cited_text varchar,
    match_basis varchar,               -- what matched: agreement_date,title,parties
    candidates json,
    message varchar,                   -- why it is not linked, or what could not be applied
    changes json,                      -- [{field, clause_reference, old_value, new_value, text, …}]
    notes json,                        -- changes that were not applied, with the reason
    linked_run varchar,
    updated_at timestamp not null
);

create table raw.amended_key_dates (
    contract_id varchar not null,      -- the parent
    field varchar not null,            -- a raw.key_dates column
    value varchar,                     -- ISO date or ISO-8601 duration
    amendment_contract_id varchar not null,
    amendment_date date,
    amendment_number integer,
    source_text varchar,
    run_id varchar,
    updated_at timestamp not null,
    primary key (contract_id, field, amendment_contract_id)
);

-- The key dates in force: the extracted ones with the latest amendment's value per field.
create view raw.effective_key_dates as
with latest as (
    select *
    from raw.amended_key_dates
    qualify row_number() over (
        partition by contract_id, field
        order by amendment_date desc nulls last, amendment_number desc nulls last, amendment_contract_id desc
    ) = 1
),

pivoted as (
    select
        contract_id,
        max(value) filter (where field = 'expiration_date') as expiration_date,
        max(value) filter (where field = 'initial_term') as initial_term,
        max(value) filter (where field = 'renewal_term') as renewal_term,
        max(value) filter (where field = 'renewal_notice_period') as renewal_notice_period,
        max(value) filter (where field = 'next_renewal_notice_deadline') as next_renewal_notice_deadline,
        list(distinct field order by field) as amended_fields,
        list(distinct amendment_contract_id order by amendment_contract_id) as amended_by
    from latest
    group by contract_id
)

select
    k.contract_id,
    k.agreement_date,
    k.effective_date,
    coalesce(try_cast(p.expiration_date as date), k.expiration_date) as expiration_date,
    case when p.expiration_date is not null then false else k.is_perpetual end as is_perpetual,
    coalesce(p.initial_term, k.initial_term) as initial_term,
    coalesce(p.renewal_term, k.renewal_term) as renewal_term,
    k.auto_renewal,
    coalesce(p.renewal_notice_period, k.renewal_notice_period) as renewal_notice_period,
    -- an amended period or end date makes the extracted deadline stale: only the recomputed one counts
    case
        when p.renewal_notice_period is not null or p.expiration_date is not null or p.renewal_term is not null
            then try_cast(p.next_renewal_notice_deadline as date)
        else k.next_renewal_notice_deadline
    end as next_renewal_notice_deadline,
    coalesce(p.amended_fields, []) as amended_fields,
    coalesce(p.amended_by, []) as amended_by,
    k.run_id,
    k.updated_at
from raw.key_dates as k
left join pivoted as p on k.contract_id = p.contract_id;
