-- No recommendation (ranked or published) is a product the customer already bought (§4.5).
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

bought as (
    select
        customer_id,
        product_id
    from {{ ref('market_basket') }}
),

violations as (
    select recommended.*
    from recommended
    inner join bought
        on
            recommended.customer_id = bought.customer_id
            and recommended.recommended_product = bought.product_id
)

select * from violations
