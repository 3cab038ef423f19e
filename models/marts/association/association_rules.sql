{{ config(materialized='view') }}
-- association_rules, the public table name, is a view over its intermediate twin
-- int_association_rules, which holds the logic: intermediate models read the twin, never a mart
-- (dbt-bouncer.yml), and the view costs no copy.
select * from {{ ref('int_association_rules') }}
