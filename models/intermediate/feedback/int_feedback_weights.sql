-- One row per customer × product with accepted feedback in the calibration window (spec §4.6):
-- the latest piece of feedback (latest feedback_date; on the same day the lowest weight, i.e.
-- the most cautious, then rating and reason code), its resolved sentiment and its weight.
-- Window: feedback dated at most feedback_recency_days before the reference date. Feedback dated
-- after the reference date is kept, except in an as_of_date backtest where it is the future.
-- Medium sentiment: the explicit column, else the reason code's sentiment (seed
-- feedback_reason_codes), else no signal. Weight: macro ranking_feedback_weight.
with feedback as (
    select * from {{ ref('int_feedback_validated') }}
    where quarantine_reason is null
),

reference as (
    select
        reference_date,
        is_as_of
    from {{ ref('int_reference_date') }}
),

reason_codes as (
    select
        reason_code,
        sentiment
    from {{ ref('feedback_reason_codes') }}
),

aged as (
    select
        feedback.customer_id,
        feedback.product_id,
        feedback.rating,
        feedback.reason_code,
        feedback.sentiment,
        feedback.feedback_date,
        {{ dbt.datediff('feedback.feedback_date', 'reference.reference_date', 'day') }}
            as feedback_age_days
    from feedback
    cross join reference
),

in_window as (
    select aged.*
    from aged
    cross join reference
    where
        aged.feedback_age_days <= {{ var('feedback_recency_days') }}
        and (aged.feedback_date <= reference.reference_date or not reference.is_as_of)
),

resolved as (
    select
        in_window.*,
        coalesce(in_window.sentiment, reason_codes.sentiment) as resolved_sentiment,
        case
            when in_window.sentiment is not null then 'explicit'
            when reason_codes.sentiment is not null then 'reason_code'
            else 'none'
        end as sentiment_source
    from in_window
    left join reason_codes on in_window.reason_code = reason_codes.reason_code
),

weighted as (
    select
        resolved.*,
        {{ ranking_feedback_weight('rating', 'resolved_sentiment') }} as feedback_weight
    from resolved
),

ordered as (
    select
        weighted.*,
        row_number() over (
            partition by weighted.customer_id, weighted.product_id
            order by
                weighted.feedback_date desc,
                weighted.feedback_weight asc,
                weighted.rating asc,
                weighted.reason_code asc
        ) as feedback_order
    from weighted
),

final as (
    select
        customer_id,
        product_id,
        rating,
        reason_code,
        sentiment,
        resolved_sentiment,
        sentiment_source,
        feedback_date,
        feedback_age_days,
        cast(feedback_weight as {{ type_double() }}) as feedback_weight
    from ordered
    where feedback_order = 1
)

select * from final
