{{ config(materialized='table', post_hook="{{ log_basket_window(this) }}") }}
{%- if var('window_days') | float < 0 %}
    {{ exceptions.raise_compiler_error("window_days must be 0 (data-driven) or a positive number of days, got " ~ var('window_days')) }}
{%- endif %}
-- The logic of the mart basket_window, a view over this table (intermediate models never read marts).
-- One row: the basket window used to sessionize purchases (spec §4.4). window_days = 0
-- means data-driven: the median over customers of each customer's median gap between
-- consecutive distinct purchase dates, clamped to [7, 90]. Customers with a single
-- purchase date have no gap and do not vote; with no gaps at all the lower clamp applies.
with gaps as (
    select * from {{ ref('int_customer_purchase_gaps') }}
    where gap_days is not null
),

customer_medians as (
    select
        customer_id,
        {{ median('gap_days') }} as median_gap_days
    from gaps
    group by customer_id
),

dataset_median as (
    select
        {{ median('median_gap_days') }} as median_gap_days,
        count(*) as customers_with_gaps
    from customer_medians
),

chosen as (
    select
        cast(median_gap_days as {{ type_double() }}) as median_gap_days,
        cast(customers_with_gaps as {{ dbt.type_bigint() }}) as customers_with_gaps,
        cast({{ var('window_days') }} as {{ type_double() }}) as window_days_var,
        cast(
            {%- if var('window_days') | float > 0 %}
            {{ var('window_days') }}
            {%- else %}
                case
                    when median_gap_days is null then 7
                    when median_gap_days < 7 then 7
                    when median_gap_days > 90 then 90
                    else median_gap_days
                end
            {%- endif %}
            as {{ type_double() }}
        ) as window_days,
        {{ 'false' if var('window_days') | float > 0 else 'true' }} as is_data_driven
    from dataset_median
)

select * from chosen
