-- One row per customer × distinct purchase date, with its basket number: a new basket
-- starts at the customer's first purchase and whenever the gap from the previous purchase
-- date exceeds the basket window (a gap equal to the window stays in the same basket).
with gaps as (
    select * from {{ ref('int_customer_purchase_gaps') }}
),

window_used as (
    select window_days from {{ ref('int_basket_window') }}
),

flagged as (
    select
        gaps.customer_id,
        gaps.invoice_date,
        case
            when gaps.gap_days is null or gaps.gap_days > window_used.window_days then 1
            else 0
        end as starts_basket
    from gaps
    cross join window_used
),

numbered as (
    select
        customer_id,
        invoice_date,
        cast(sum(starts_basket) over (
            partition by customer_id
            order by invoice_date
            rows between unbounded preceding and current row
        ) as {{ dbt.type_bigint() }}) as basket_number
    from flagged
),

identified as (
    select
        customer_id,
        invoice_date,
        basket_number,
        -- unique across customers (spec bug 1): per-customer numbers collide
        {{ dbt.concat(['customer_id', "'_'", dbt.cast('basket_number', dbt.type_string())]) }}
            as global_basket_id
    from numbered
)

select * from identified
