-- One row per product × role: how many published recommendations name it as the recommended
-- product or as the trigger (the purchase the reason points to), with its name and category,
-- for the report's top products. Triggers that are no product ('fallback', 'segment') are left
-- out: they are the recommendation source, shown as such in the report.
with recommendations as (
    select * from {{ ref('recommendations') }}
),

products as (
    select
        product_id,
        max(product_name) as product_name,
        max(l2_category) as l2_category
    from {{ ref('stg_erp__products') }}
    where quarantine_reason is null
    group by product_id
),

mentions as (
    select
        'recommended' as product_role,
        recommended_product as product_id,
        customer_id
    from recommendations
    union all
    select
        'trigger' as product_role,
        trigger_product as product_id,
        customer_id
    from recommendations
),

counted as (
    select
        product_role,
        product_id,
        count(*) as recommendation_count,
        count(distinct customer_id) as customer_count
    from mentions
    group by product_role, product_id
),

final as (
    select
        counted.product_role,
        counted.product_id,
        products.product_name,
        products.l2_category,
        cast(counted.recommendation_count as {{ dbt.type_bigint() }}) as recommendation_count,
        cast(counted.customer_count as {{ dbt.type_bigint() }}) as customer_count
    from counted
    inner join products on counted.product_id = products.product_id
)

select * from final
