{{ config(materialized='view') }}
-- product_neighbours, the public table name, is a view over its intermediate twin
-- int_product_neighbours, which holds the logic: intermediate models read the twin, never a mart
-- (dbt-bouncer.yml), and the view costs no copy.
select * from {{ ref('int_product_neighbours') }}
