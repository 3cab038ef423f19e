-- One row per customer × distinct purchase date in scope, with the gap in days from the
-- customer's previous distinct purchase date (null for the first).
with purchase_dates as (
    select distinct
        customer_id,
        invoice_date
    from {{ ref('int_invoice_lines_in_scope') }}
),

with_previous as (
    select
        customer_id,
        invoice_date,
        lag(invoice_date) over (partition by customer_id order by invoice_date) as previous_date
    from purchase_dates
),

gaps as (
    select
        customer_id,
        invoice_date,
        previous_date,
        case
            when previous_date is not null
                then {{ dbt.datediff('previous_date', 'invoice_date', 'day') }}
        end as gap_days
    from with_previous
)

select * from gaps
