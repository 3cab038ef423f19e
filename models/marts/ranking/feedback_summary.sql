-- One row per scope × value of the feedback used for calibration (spec §4.6 feedback summary):
-- scope overall (one row, present even without feedback), segment, l2_category and
-- reason_code. Counts the latest feedback per customer × product in the window
-- (int_feedback_weights), its class rates, and the acceptance rate = share not suppressed
-- (High, Medium positive, Medium without signal). The overall row carries the threshold
-- suggestions for the next run: acceptance < 0.5 tightens min_confidence by 0.05.
{%- set scopes = {
    'segment': "coalesce(segment, '(unknown)')",
    'l2_category': "coalesce(l2_category, '(unknown)')",
    'reason_code': "coalesce(reason_code, '(none)')",
} %}
{%- set classes = ['high', 'medium_positive', 'medium_negative', 'medium_no_signal', 'low'] %}

with feedback as (
    select * from {{ ref('int_feedback_weights') }}
),

reference as (
    select reference_date from {{ ref('int_reference_date') }}
),

customers as (
    select
        customer_id,
        segment
    from {{ ref('stg_erp__customers') }}
    where quarantine_reason is null
),

products as (
    select
        product_id,
        l2_category
    from {{ ref('stg_erp__products') }}
    where quarantine_reason is null
),

classified as (
    select
        feedback.customer_id,
        feedback.product_id,
        feedback.reason_code,
        customers.segment,
        products.l2_category,
        case
            when feedback.rating = 'High' then 'high'
            when feedback.rating = 'Low' then 'low'
            when feedback.resolved_sentiment = 'positive' then 'medium_positive'
            when feedback.resolved_sentiment = 'negative' then 'medium_negative'
            else 'medium_no_signal'
        end as feedback_class
    from feedback
    left join customers on feedback.customer_id = customers.customer_id
    left join products on feedback.product_id = products.product_id
),

overall_counts as (
    select count(*) as feedback_count from classified
),

scoped as (
    select
        'overall' as scope,
        'overall' as scope_value,
        feedback_class
    from classified
    {%- for scope, value in scopes.items() %}
        union all
        select
            '{{ scope }}' as scope,
            {{ value }} as scope_value,
            feedback_class
        from classified
    {%- endfor %}
),

aggregated as (
    select
        scope,
        scope_value,
        count(*) as feedback_count,
        {%- for class in classes %}
            avg(case when feedback_class = '{{ class }}' then 1 else 0 end) as {{ class }}_rate,
        {%- endfor %}
        avg(case
            when feedback_class in ('high', 'medium_positive', 'medium_no_signal') then 1
            else 0
        end) as acceptance_rate
    from scoped
    group by scope, scope_value
),

-- the overall row exists even when there is no feedback at all
overall_row as (
    select
        'overall' as scope,
        'overall' as scope_value,
        overall_counts.feedback_count
    from overall_counts
),

with_overall as (
    select
        overall_row.scope,
        overall_row.scope_value,
        overall_row.feedback_count,
        {%- for class in classes %}
            aggregated.{{ class }}_rate,
        {%- endfor %}
        aggregated.acceptance_rate
    from overall_row
    left join aggregated on aggregated.scope = 'overall'
    union all
    select * from aggregated
    where scope != 'overall'
),

suggested as (
    select
        with_overall.*,
        case
            when with_overall.scope = 'overall' then
                case
                    when with_overall.acceptance_rate < 0.5
                        then least({{ var('min_confidence') }} + 0.05, 1.0)
                    else {{ var('min_confidence') }}
                end
        end as suggested_min_confidence,
        case when with_overall.scope = 'overall' then {{ var('score_cutoff') }} end
            as suggested_score_cutoff
    from with_overall
),

final as (
    select
        suggested.scope,
        suggested.scope_value,
        cast(suggested.feedback_count as {{ dbt.type_bigint() }}) as feedback_count,
        cast(
            cast(suggested.feedback_count as {{ type_double() }}) / nullif(overall_counts.feedback_count, 0)
            as {{ type_double() }}
        ) as feedback_share,
        {%- for class in classes %}
            cast(suggested.{{ class }}_rate as {{ type_double() }}) as {{ class }}_rate,
        {%- endfor %}
        cast(suggested.acceptance_rate as {{ type_double() }}) as acceptance_rate,
        cast(suggested.suggested_min_confidence as {{ type_double() }}) as suggested_min_confidence,
        cast(suggested.suggested_score_cutoff as {{ type_double() }}) as suggested_score_cutoff,
        case
            when suggested.scope != 'overall' then null
            when suggested.acceptance_rate is null then {{ dbt.concat([
                "'No feedback in the last '", "'" ~ var('feedback_recency_days') ~ "'",
                "' days. Holding thresholds.'",
            ]) }}
            when suggested.acceptance_rate < 0.5 then {{ dbt.concat([
                "'Acceptance rate='", ranking_format_decimal('suggested.acceptance_rate', 2),
                "' < 0.50. Tightening MIN_CONFIDENCE '",
                ranking_format_decimal(var('min_confidence'), 2), "' -> '",
                ranking_format_decimal('suggested.suggested_min_confidence', 2), "'.'",
            ]) }}
            else {{ dbt.concat([
                "'Acceptance rate='", ranking_format_decimal('suggested.acceptance_rate', 2),
                "'. Holding thresholds.'",
            ]) }}
        end as rationale,
        reference.reference_date
    from suggested
    cross join overall_counts
    cross join reference
)

select * from final
