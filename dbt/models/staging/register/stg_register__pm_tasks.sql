with source as (
    select * from {{ source('register', 'pm_tasks') }}
),

renamed as (
    select
        task_key,
        occurrence_key as occurrence_id,
        milestone_id,
        system as task_system,
        external_id,
        external_url,
        status as task_status,
        assignee,
        status = 'done' as is_done,
        due_date as task_due_date,
        completed_at,
        synced_at
    from source
)

select * from renamed
