-- No product of excluded_products (postage, fees) is recommended, used as a trigger, reminded
-- or part of a rule: their lines never enter the pipeline's scope.
with product_uses as (
    select
        'recommendations.recommended_product' as used_as,
        recommended_product as product_id
    from {{ ref('recommendations') }}
    union all
    select
        'recommendations.trigger_product' as used_as,
        trigger_product as product_id
    from {{ ref('recommendations') }}
    union all
    select
        'reorder_reminders.product_id' as used_as,
        product_id
    from {{ ref('reorder_reminders') }}
    union all
    select
        'association_rules.product_a' as used_as,
        product_a as product_id
    from {{ ref('association_rules') }}
    union all
    select
        'association_rules.product_b' as used_as,
        product_b as product_id
    from {{ ref('association_rules') }}
),

excluded_products as (
    select product_id from {{ ref('stg_erp__products') }}
    where is_excluded
),

violations as (
    select product_uses.*
    from product_uses
    inner join excluded_products on product_uses.product_id = excluded_products.product_id
)

select * from violations
