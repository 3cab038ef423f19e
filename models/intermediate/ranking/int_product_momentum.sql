-- One row per product bought in the pipeline's window: how its recent demand compares with its
-- usual demand, and how much of that to trust (docs/ranking.md). W = momentum_days.
--   momentum    = (customers in the last W days + 1) / (expected in W days + 1), where
--                 expected = window customers * W / window days: > 1 when demand is rising (a
--                 season starting, a launch), < 1 when it has faded (out of season, withdrawn)
--   persistence = how far last period's momentum carried into this period, measured on this
--                 data: the least-squares slope of ln(momentum in the last W days) on
--                 ln(momentum in the W days before), both against the demand expected from the
--                 window before the last W days, over all products; clamped to [0, 1].
--                 Seasonal or trending demand gives a clear slope (about 0.7 on the real
--                 wholesale data), stationary demand about 0, so momentum then stays out.
--   momentum_factor = momentum ^ persistence: the multiplier of the similarity evidence.
-- momentum_days = 0, or a window not longer than 2 W, gives persistence 0 (factor 1).
-- window_days runs from the first line in scope to the reference date, both included.
{%- set w = var('momentum_days') %}
with lines as (
    select
        customer_id,
        product_id,
        invoice_date
    from {{ ref('int_invoice_lines_in_scope') }}
),

reference as (
    select
        reference_date,
        cast({{ dbt.dateadd('day', -1 * w, 'reference_date') }} as date) as recent_start_date,
        cast({{ dbt.dateadd('day', -2 * w, 'reference_date') }} as date) as previous_start_date
    from {{ ref('int_reference_date') }}
),

window_bounds as (
    select
        min(lines.invoice_date) as first_date,
        max(reference.reference_date) as reference_date
    from lines
    cross join reference
),

window_span as (
    select
        {{ dbt.datediff('first_date', 'reference_date', 'day') }}
        + 1 as window_days
    from window_bounds
),

product_customers as (
    select
        lines.product_id,
        count(distinct lines.customer_id) as window_customers,
        count(distinct case
            when lines.invoice_date > reference.recent_start_date then lines.customer_id
        end) as recent_customers,
        count(distinct case
            when lines.invoice_date <= reference.recent_start_date then lines.customer_id
        end) as customers_before_recent,
        count(distinct case
            when
                lines.invoice_date > reference.previous_start_date
                and lines.invoice_date <= reference.recent_start_date
                then lines.customer_id
        end) as previous_customers
    from lines
    cross join reference
    group by lines.product_id
),

expectations as (
    select
        product_customers.*,
        window_span.window_days,
        window_span.window_days > 2 * {{ w }} and {{ w }} > 0 as has_history,
        cast(product_customers.window_customers as {{ type_double() }}) * {{ w }}
        / window_span.window_days as expected_recent,
        cast(product_customers.customers_before_recent as {{ type_double() }}) * {{ w }}
        / nullif(window_span.window_days - {{ w }}, 0) as expected_before_recent
    from product_customers
    cross join window_span
),

log_momenta as (
    select
        *,
        ln((previous_customers + 1.0) / (expected_before_recent + 1.0)) as previous_log_momentum,
        ln((recent_customers + 1.0) / (expected_before_recent + 1.0)) as recent_log_momentum
    from expectations
),

persistence as (
    select
        -- rounded: a parallel sum's last bit must not change a ranking
        round(coalesce({{ ranking_clamp(
            'covar_samp(previous_log_momentum, recent_log_momentum)'
            ~ ' / nullif(var_samp(previous_log_momentum), 0)', 0.0, 1.0
        ) }}, 0.0), 6) as persistence
    from log_momenta
    where has_history
),

final as (
    select
        log_momenta.product_id,
        log_momenta.window_customers,
        log_momenta.recent_customers,
        log_momenta.previous_customers,
        log_momenta.window_days,
        log_momenta.expected_recent,
        case
            when log_momenta.has_history
                then (log_momenta.recent_customers + 1.0) / (log_momenta.expected_recent + 1.0)
            else 1.0
        end as momentum,
        coalesce(persistence.persistence, 0.0) as persistence,
        case
            when log_momenta.has_history
                then round(exp(
                    coalesce(persistence.persistence, 0.0)
                    * ln((log_momenta.recent_customers + 1.0) / (log_momenta.expected_recent + 1.0))
                ), 12)
            else 1.0
        end as momentum_factor
    from log_momenta
    left join persistence on 1 = 1
)

select * from final
