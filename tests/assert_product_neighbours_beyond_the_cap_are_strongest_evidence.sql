-- Each evidence column keeps its similarity_neighbours largest weights; a row ranked beyond
-- them is there only because it is its product's strongest evidence: the product's one row,
-- with a positive weight (so that every modelled product can be recommended).
with neighbours as (
    select
        evidence_kind,
        evidence_id,
        neighbour_product_id,
        weight,
        neighbour_rank
    from {{ ref('product_neighbours') }}
),

rows_per_product as (
    select
        neighbour_product_id,
        count(*) as product_rows
    from neighbours
    group by neighbour_product_id
)

select
    neighbours.evidence_kind,
    neighbours.evidence_id,
    neighbours.neighbour_product_id,
    neighbours.weight,
    neighbours.neighbour_rank
from neighbours
inner join rows_per_product
    on neighbours.neighbour_product_id = rows_per_product.neighbour_product_id
where
    neighbours.neighbour_rank > {{ var('similarity_neighbours') }}
    and (rows_per_product.product_rows > 1 or neighbours.weight <= 0)
