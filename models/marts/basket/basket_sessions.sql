{{ config(materialized='view') }}
-- basket_sessions, the public table name, is a view over its intermediate twin
-- int_basket_sessions, which holds the logic: intermediate models read the twin, never a mart
-- (dbt-bouncer.yml), and the view costs no copy.
select * from {{ ref('int_basket_sessions') }}
