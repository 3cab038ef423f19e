{{ config(materialized='table') }}
-- A table, not a view: five models read it, and as a view each of them re-ran staging's
-- duplicate check (a window over every raw row) several times (docs/benchmarks.md).
-- One row per raw invoice line with its final quarantine reason (null = accepted): the
-- staging checks, then ids the accepted customer and product masters do not know.
with invoices as (
    select * from {{ ref('stg_erp__invoices') }}
),

customers as (
    select customer_id from {{ ref('stg_erp__customers') }}
    where quarantine_reason is null
),

products as (
    select product_id from {{ ref('stg_erp__products') }}
    where quarantine_reason is null
),

validated as (
    select
        invoices.invoice_id,
        invoices.customer_id,
        invoices.product_id,
        invoices.invoiced_at,
        invoices.invoice_date,
        invoices.quantity,
        invoices.raw_row,
        coalesce(
            invoices.quarantine_reason,
            case
                when customers.customer_id is null then 'unknown_customer_id'
                when products.product_id is null then 'unknown_product_id'
            end
        ) as quarantine_reason
    from invoices
    left join customers on invoices.customer_id = customers.customer_id
    left join products on invoices.product_id = products.product_id
)

select * from validated
