-- One row per customer × product the customer buys on a rhythm (at least
-- reorder_min_purchases distinct purchase days in scope): how regular the rhythm is, how long
-- it has been since the last purchase in units of the customer's own interval, a due_score in
-- [0, 1], whether the next purchase is due within reorder_horizon_days, and the rank of the
-- row within the customer. Rows with is_reminder are the top reorder_top_k due, in-stock
-- products of the customer, most purchase days first: the reminders (docs/reorders.md).
{#- the last and the next purchase in words, from the reference date: why it is due now -#}
{%- set last_in_words -%}
    case days_since_last_purchase
        when 0 then 'last today'
        when 1 then 'last yesterday'
        else {{ dbt.concat(["'last '",
            "cast(days_since_last_purchase as " ~ dbt.type_string() ~ ")", "' days ago'"]) }}
    end
{%- endset %}
{%- set expected_in_words -%}
    case
        when days_to_expected = 1 then 'next expected tomorrow'
        when days_to_expected > 1
            then {{ dbt.concat(["'next expected in '",
                "cast(days_to_expected as " ~ dbt.type_string() ~ ")", "' days'"]) }}
        when days_to_expected = 0 then 'expected today'
        when days_to_expected = -1 then 'expected yesterday'
        else {{ dbt.concat(["'expected '",
            "cast(-1 * days_to_expected as " ~ dbt.type_string() ~ ")", "' days ago'"]) }}
    end
{%- endset %}

with rhythms as (
    select * from {{ ref('int_reorder_rhythms') }}
),

reference as (
    select
        reference_date,
        cast(
            {{ dbt.dateadd('day', var('reorder_horizon_days'), 'reference_date') }} as date
        ) as look_ahead_end_date
    from {{ ref('int_reference_date') }}
),

products as (
    select
        product_id,
        l2_category,
        in_stock
    from {{ ref('stg_erp__products') }}
    where quarantine_reason is null
),

measured as (
    select
        rhythms.customer_id,
        rhythms.product_id,
        products.l2_category,
        products.in_stock,
        rhythms.n_purchase_days,
        rhythms.first_purchase_date,
        rhythms.last_purchase_date,
        rhythms.typical_interval_days,
        rhythms.interval_spread_days,
        rhythms.usual_quantity,
        {{ dbt.datediff('rhythms.last_purchase_date', 'reference.reference_date', 'day') }}
            as days_since_last_purchase,
        cast(
            {{ dbt.dateadd(
                'day',
                'cast(round(rhythms.typical_interval_days, 0) as ' ~ dbt.type_int() ~ ')',
                'rhythms.last_purchase_date'
            ) }} as date
        ) as expected_next_date,
        reference.reference_date,
        reference.look_ahead_end_date
    from rhythms
    cross join reference
    inner join products on rhythms.product_id = products.product_id
),

ratios as (
    select
        *,
        cast(days_since_last_purchase as {{ type_double() }}) / typical_interval_days
            as overdue_ratio,
        -- 1 for a perfectly regular rhythm, 1/2 when the gaps deviate by a whole interval
        typical_interval_days / (typical_interval_days + interval_spread_days) as regularity,
        -- > 0: the next purchase is still ahead; < 0: it was expected that many days ago
        {{ dbt.datediff('reference_date', 'expected_next_date', 'day') }}
            as days_to_expected
    from measured
),

scored as (
    select
        *,
        -- timing peaks (1) at 1 + reorder_tolerance intervals since the last purchase,
        -- and falls off on a log scale either side: half as early or twice as late = 0.5
        round(
            regularity * case
                when overdue_ratio <= 0 then 0
                else least(
                    overdue_ratio / (1 + {{ var('reorder_tolerance') }}),
                    (1 + {{ var('reorder_tolerance') }}) / overdue_ratio
                )
            end,
            6
        ) as due_score,
        -- due: the next purchase is expected before the look-ahead ends (the next visit), and
        -- the rhythm has not lapsed (docs/reorders.md)
        (
            expected_next_date <= look_ahead_end_date
            and overdue_ratio <= {{ var('reorder_max_overdue') }}
        ) as is_due
    from ratios
),

ranked as (
    select
        *,
        -- bigint on every engine (Spark's row_number is an int)
        cast(row_number() over (
            partition by customer_id
            -- the most established habit first: on real data the number of purchase days
            -- predicts a reorder better than any timing score (docs/evaluation.md)
            order by
                case when is_due and in_stock then 0 else 1 end asc,
                n_purchase_days desc,
                last_purchase_date desc,
                due_score desc,
                product_id asc
        ) as {{ dbt.type_bigint() }}) as reorder_rank
    from scored
),

final as (
    select
        customer_id,
        product_id,
        l2_category,
        in_stock,
        n_purchase_days,
        first_purchase_date,
        last_purchase_date,
        typical_interval_days,
        interval_spread_days,
        regularity,
        days_since_last_purchase,
        expected_next_date,
        overdue_ratio,
        usual_quantity,
        {{ ranking_whole_quantity('usual_quantity') }} as suggested_quantity,
        due_score,
        is_due,
        reorder_rank,
        (is_due and in_stock and reorder_rank <= {{ var('reorder_top_k') }}) as is_reminder,
        {{ dbt.concat([
            "'bought on '", "cast(n_purchase_days as " ~ dbt.type_string() ~ ")",
            "' days, every '", ranking_format_decimal('typical_interval_days', 1),
            "' days (+/- '", ranking_format_decimal('interval_spread_days', 1),
            "'); '", last_in_words, "'; '", expected_in_words
        ]) }} as reason,
        reference_date
    from ranked
)

select * from final
