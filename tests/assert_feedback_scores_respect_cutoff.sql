-- When feedback exists, every published score is at least score_cutoff (spec §4.6).
with feedback as (
    select count(*) as feedback_count from {{ ref('int_feedback_weights') }}
),

published as (
    select * from {{ ref('recommendations') }}
),

violations as (
    select published.*
    from published
    cross join feedback
    where
        feedback.feedback_count > 0
        and published.score < {{ var('score_cutoff') }}
)

select * from violations
