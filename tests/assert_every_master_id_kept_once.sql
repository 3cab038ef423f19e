-- Every customer and product id that has at least one usable raw row is accepted exactly
-- once, however many duplicate rows it has (a duplicate must never knock out the original).
with customer_ids as (
    select
        'customers' as source_name,
        customer_id as entity_id,
        sum(case when quarantine_reason is null then 1 else 0 end) as accepted_rows
    from {{ ref('stg_erp__customers') }}
    where customer_id is not null and region is not null and end_use is not null
    group by customer_id
),

product_ids as (
    select
        'products' as source_name,
        product_id as entity_id,
        sum(case when quarantine_reason is null then 1 else 0 end) as accepted_rows
    from {{ ref('stg_erp__products') }}
    where product_id is not null
    group by product_id
),

both_masters as (
    select * from customer_ids
    union all
    select * from product_ids
)

select * from both_masters
where accepted_rows != 1
