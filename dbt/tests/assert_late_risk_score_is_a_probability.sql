-- The late-risk score is a probability, and only open occurrences are scored.
select
    at_risk_id,
    obligation_status,
    late_risk_score
from {{ ref('mart_at_risk') }}
where late_risk_score is not null and (late_risk_score < 0 or late_risk_score > 1 or obligation_status <> 'open')
