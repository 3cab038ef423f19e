{{ config(severity='warn') }}
-- Every id of excluded_products is an accepted product of the master: an id that matches
-- nothing (a typo, another ERP's code) excludes nothing, and the build says so.
{%- set ids = ipre_id_list(var('excluded_products')) %}

with listed as (
    {%- for id in ids %}
        select '{{ id }}' as product_id
        {% if not loop.last %}union all{% endif %}
    {%- else %}
        select cast(null as {{ dbt.type_string() }}) as product_id
        where 1 = 0
    {%- endfor %}
),

accepted_products as (
    select product_id from {{ ref('stg_erp__products') }}
    where quarantine_reason is null
),

unknown_ids as (
    select listed.product_id
    from listed
    left join accepted_products on listed.product_id = accepted_products.product_id
    where accepted_products.product_id is null
)

select * from unknown_ids
