-- Every recommended product (ranked or published) is an accepted product that is in stock.
with recommended as (
    select
        'recommendations_ranked' as model_name,
        customer_id,
        recommended_product
    from {{ ref('recommendations_ranked') }}
    union all
    select
        'recommendations' as model_name,
        customer_id,
        recommended_product
    from {{ ref('recommendations') }}
),

in_stock_products as (
    select product_id from {{ ref('stg_erp__products') }}
    where quarantine_reason is null and in_stock
),

violations as (
    select recommended.*
    from recommended
    left join in_stock_products on recommended.recommended_product = in_stock_products.product_id
    where in_stock_products.product_id is null
)

select * from violations
