{#- What every staging model does after cleaning its raw rows (documented in _macros.yml):
    number the copies of each raw row and, for a master, the rows of each id, then turn the
    numbers into the shared quarantine reasons. -#}

{% macro staging_duplicate_numbers(from_cte, id_column=none, id_order=[]) -%}
{%- set copies_cte = 'copies_numbered' if id_column else 'numbered' -%}
{{ copies_cte }} as (
    select
        *,
        -- identical raw rows: keep one, quarantine the copies
        row_number() over (partition by raw_row order by raw_row) as copy_number
    from {{ from_cte }}
)
{%- if id_column %},

numbered as (
    select
        *,
        -- same id, different attributes: keep the first in a stable order
        row_number() over (
            partition by {{ id_column }}
            order by {{ (id_order + ['raw_row', 'copy_number']) | join(', ') }}
        ) as id_number
    from copies_numbered
)
{%- endif %}
{%- endmacro %}

{% macro staging_reader_reason() -%}
when reader_rejection is not null then coalesce(reader_reason, 'unparseable_line')
{%- endmacro %}

{% macro staging_duplicate_reasons(duplicate_id_reason=none) -%}
when copy_number > 1 then 'duplicate_row'
            {%- if duplicate_id_reason %}
            when id_number > 1 then '{{ duplicate_id_reason }}'
            {%- endif %}
{%- endmacro %}

{% macro validated_against_masters(staged_model, staged_cte, columns) -%}
with {{ staged_cte }} as (
    select * from {{ ref(staged_model) }}
),

customers as (
    select customer_id from {{ ref('stg_erp__customers') }}
    where quarantine_reason is null
),

products as (
    select product_id from {{ ref('stg_erp__products') }}
    where quarantine_reason is null
),

validated as (
    select
        {%- for column in columns %}
        {{ staged_cte }}.{{ column }},
        {%- endfor %}
        coalesce(
            {{ staged_cte }}.quarantine_reason,
            case
                when customers.customer_id is null then 'unknown_customer_id'
                when products.product_id is null then 'unknown_product_id'
            end
        ) as quarantine_reason
    from {{ staged_cte }}
    left join customers on {{ staged_cte }}.customer_id = customers.customer_id
    left join products on {{ staged_cte }}.product_id = products.product_id
)

select * from validated
{%- endmacro %}
