-- One row per customer × product × distinct purchase day in scope: the units bought that day
-- (all invoices of the day summed) and the gap in days from the previous day the customer
-- bought the same product (null for the first). Several invoices on one day are one purchase.
with lines as (
    select * from {{ ref('int_invoice_lines_in_scope') }}
),

purchase_days as (
    select
        customer_id,
        product_id,
        invoice_date as purchase_date,
        {{ exact_sum('quantity') }} as day_quantity
    from lines
    group by customer_id, product_id, invoice_date
),

with_previous as (
    select
        customer_id,
        product_id,
        purchase_date,
        day_quantity,
        lag(purchase_date) over (
            partition by customer_id, product_id order by purchase_date
        ) as previous_purchase_date
    from purchase_days
),

final as (
    select
        customer_id,
        product_id,
        purchase_date,
        day_quantity,
        previous_purchase_date,
        case
            when previous_purchase_date is not null
                then {{ dbt.datediff('previous_purchase_date', 'purchase_date', 'day') }}
        end as gap_days
    from with_previous
)

select * from final
