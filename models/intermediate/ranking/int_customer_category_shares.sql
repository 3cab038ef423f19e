-- One row per customer × L2 × L3 category bought: the customer's share of units (total_quantity
-- over market_basket) in that L3, and in its L2 (repeated on each L3 row of the L2). The L3
-- share drives the §4.5 L3 bonus, the L2 share the fallback's category affinity.
-- An L3 is identified within its L2, so equal L3 names under two L2s never mix.
with basket as (
    select * from {{ ref('int_market_basket') }}
),

l3_quantities as (
    select
        customer_id,
        l2_category,
        l3_category,
        {{ exact_sum('total_quantity') }} as l3_quantity
    from basket
    group by customer_id, l2_category, l3_category
),

shares as (
    select
        customer_id,
        l2_category,
        l3_category,
        l3_quantity
        / {{ exact_window_sum('l3_quantity', 'partition by customer_id') }} as l3_share,
        {{ exact_window_sum('l3_quantity', 'partition by customer_id, l2_category') }}
        / {{ exact_window_sum('l3_quantity', 'partition by customer_id') }} as l2_share
    from l3_quantities
)

select * from shares
