-- An obligation whose evidence is insufficient or missing always says why.
select milestone_id, evidence_status
from {{ ref('mart_obligation_evidence') }}
where evidence_status <> 'evidence_ok' and (evidence_reason is null or evidence_reason = '')
