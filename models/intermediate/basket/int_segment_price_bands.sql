-- One row per segment × product bought in that segment with a known price: its price
-- band, Low / Mid / High tertiles of unit_price within the segment (spec §4.1, step 6).
with segment_products as (
    select distinct
        segment,
        product_id,
        unit_price
    from {{ ref('int_invoice_lines_in_scope') }}
    where unit_price is not null
),

banded as (
    select
        segment,
        product_id,
        unit_price,
        {{ tertile_band('unit_price', 'segment') }} as price_band
    from segment_products
)

select * from banded
