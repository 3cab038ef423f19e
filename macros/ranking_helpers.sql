{#- Helpers of the ranking and feedback models (spec §4.5, §4.6). Each formula of the score
    lives in exactly one place: here or in the model that states it. -#}

{% macro ranking_clamp(expr, low, high) -%}
    least(greatest({{ expr }}, {{ low }}), {{ high }})
{%- endmacro %}

{% macro ranking_format_decimal(expr, decimals) -%}
    cast(cast(round({{ expr }}, {{ decimals }}) as decimal(18, {{ decimals }})) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro ranking_whole_quantity(expr) -%}
    cast(greatest(round({{ expr }}, 0), 1) as {{ dbt.type_int() }})
{%- endmacro %}

{% macro ranking_feedback_weight(rating, resolved_sentiment) -%}
    case
        when {{ rating }} = 'High' then {{ var('weight_high') }}
        when {{ rating }} = 'Medium' and {{ resolved_sentiment }} = 'negative'
            then {{ var('weight_med_neg') }}
        when {{ rating }} = 'Medium' and {{ resolved_sentiment }} = 'positive'
            then {{ var('weight_med_pos') }}
        when {{ rating }} = 'Low' then {{ var('weight_low') }}
        else 1.0
    end
{%- endmacro %}

{% macro ranking_method() -%}
    {%- set method = var('ranking_method') | string | trim | lower -%}
    {%- if method not in ('similarity', 'spec', 'learned') -%}
        {{ exceptions.raise_compiler_error(
            "var ranking_method must be 'similarity', 'spec' or 'learned', got '" ~ method ~ "'") }}
    {%- endif -%}
    {{ return(method) }}
{%- endmacro %}

{% macro ranking_depth() -%}
    {%- if ranking_method() in ('similarity', 'learned') -%}
        ({{ var('top_k') }} + {{ var('calibration_reserve') }})
    {%- else -%}
        {{ var('top_k') }}
    {%- endif -%}
{%- endmacro %}

-- The learned ranker's models (models/intermediate/ranker, int_ranking_learned_candidates and
-- the python_models/int_ranker_* models) exist only when ranking_method is 'learned': every
-- other build neither builds nor tests them. The Python models' yml repeats this test in the
-- only form a properties file can read (python_models/_python__models.yml).
{% macro learned_ranker_enabled() -%}
    {{ return(ranking_method() == 'learned') }}
{%- endmacro %}

{#- The median order quantity (int_order_quantities) of each customer × product in the CTE
    `wanted` (customer_id, product_id): the trigger products' quantities. Medians are held
    value by value, so only the wanted pairs are grouped: over every customer × product the
    aggregate spilled 8 GB at 10M lines (docs/benchmarks.md). Even over the wanted pairs the
    holistic aggregate spilled in 4 of 6 runs at 10M lines (16-22 s against 7), so the median is
    taken by position instead: the middle order (odd count) or the mean of the two middle orders
    (even count) of the pair's orders sorted by quantity, the definition of quantile_cont(0.5).
    Portable: two window functions and integer arithmetic. -#}
{% macro ranking_trigger_quantities(order_quantities, wanted) -%}
    select
        customer_id,
        product_id,
        avg(order_quantity) as median_order_quantity
    from (
        select
            {{ order_quantities }}.customer_id,
            {{ order_quantities }}.product_id,
            {{ order_quantities }}.order_quantity,
            row_number() over (
                partition by {{ order_quantities }}.customer_id, {{ order_quantities }}.product_id
                order by {{ order_quantities }}.order_quantity
            ) as order_position,
            count(*) over (
                partition by {{ order_quantities }}.customer_id, {{ order_quantities }}.product_id
            ) as order_count
        from {{ order_quantities }}
        inner join {{ wanted }}
            on
                {{ order_quantities }}.customer_id = {{ wanted }}.customer_id
                and {{ order_quantities }}.product_id = {{ wanted }}.product_id
    ) as numbered_orders
    -- 2 × position is the count + 1 for the one middle order, the count and the count + 2 for
    -- the two middle orders
    where 2 * order_position between order_count and order_count + 2
    group by customer_id, product_id
{%- endmacro %}
