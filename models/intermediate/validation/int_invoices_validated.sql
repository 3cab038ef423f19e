{{ config(materialized='table', post_hook="{{ check_quarantine_share('invoices') }}") }}
-- A table, not a view: five models read it, and as a view each of them re-ran staging's
-- duplicate check (a window over every raw row) several times (docs/benchmarks.md).
-- One row per raw invoice line with its final quarantine reason (null = accepted): the
-- staging checks, then ids the accepted customer and product masters do not know.
{{ validated_against_masters('stg_erp__invoices', 'invoices', ['invoice_id', 'customer_id',
    'product_id', 'invoiced_at', 'invoice_date', 'quantity', 'raw_row']) }}
