{% macro association_metric_ctes(group_columns) -%}
{%- set group_list = group_columns | join(', ') -%}
group_totals as (
    select {{ group_list }}, count(distinct global_basket_id) as total_baskets
    from group_baskets_products
    group by {{ group_list }}
),

product_frequencies as (
    select {{ group_list }}, product_id, count(*) as product_freq
    from group_baskets_products
    group by {{ group_list }}, product_id
),

frequent_products as (
    select product_frequencies.*, group_totals.total_baskets
    from product_frequencies
    inner join group_totals
        on {% for column in group_columns %}product_frequencies.{{ column }} = group_totals.{{ column }}{% if not loop.last %} and {% endif %}{% endfor %}
    where product_frequencies.product_freq >= {{ var('min_abs_freq') }}
      and product_frequencies.product_freq >= {{ var('min_freq_ratio') }} * group_totals.total_baskets
      and product_frequencies.product_freq >= {{ var('min_support') }} * group_totals.total_baskets
),

weighted_basket_products as (
    select
        {% for column in group_columns %}group_baskets_products.{{ column }}, {% endfor %}
        group_baskets_products.global_basket_id,
        group_baskets_products.product_id,
        exp(-1 * {{ var('decay_lambda') }} * group_baskets_products.basket_age_days) as basket_weight
    from group_baskets_products
    inner join frequent_products
        on {% for column in group_columns %}group_baskets_products.{{ column }} = frequent_products.{{ column }} and {% endfor %}group_baskets_products.product_id = frequent_products.product_id
),

unordered_pairs as (
    -- each basket's pair counted once (x < y), mirrored below into both rule directions
    select
        {% for column in group_columns %}left_side.{{ column }}, {% endfor %}
        left_side.product_id as product_x,
        right_side.product_id as product_y,
        count(*) as pair_freq,
        {{ exact_sum('left_side.basket_weight', 18) }} as weighted_pair_freq
    from weighted_basket_products as left_side
    inner join weighted_basket_products as right_side
        on left_side.global_basket_id = right_side.global_basket_id
        and left_side.product_id < right_side.product_id
    group by {% for column in group_columns %}left_side.{{ column }}, {% endfor %}left_side.product_id, right_side.product_id
),

ordered_pairs as (
    select {{ group_list }}, product_x as product_a, product_y as product_b, pair_freq, weighted_pair_freq
    from unordered_pairs
    union all
    select {{ group_list }}, product_y as product_a, product_x as product_b, pair_freq, weighted_pair_freq
    from unordered_pairs
),

rule_metrics as (
    select
        {% for column in group_columns %}ordered_pairs.{{ column }}, {% endfor %}
        ordered_pairs.product_a,
        ordered_pairs.product_b,
        frequent_a.total_baskets,
        frequent_a.product_freq as product_a_freq,
        frequent_b.product_freq as product_b_freq,
        ordered_pairs.pair_freq,
        cast(ordered_pairs.pair_freq as {{ type_double() }}) / frequent_a.total_baskets as support,
        -- rounded to 15 decimals so the last bit never depends on how the engine divided
        round(ordered_pairs.weighted_pair_freq / frequent_a.total_baskets, 15) as weighted_support,
        cast(ordered_pairs.pair_freq as {{ type_double() }}) / frequent_a.product_freq as confidence,
        -- confidence / P(b) = pair × baskets / (freq_a × freq_b): one rounding, not three
        cast(ordered_pairs.pair_freq * frequent_a.total_baskets as {{ type_double() }})
            / (frequent_a.product_freq * frequent_b.product_freq) as lift
    from ordered_pairs
    inner join frequent_products as frequent_a
        on {% for column in group_columns %}ordered_pairs.{{ column }} = frequent_a.{{ column }} and {% endfor %}ordered_pairs.product_a = frequent_a.product_id
    inner join frequent_products as frequent_b
        on {% for column in group_columns %}ordered_pairs.{{ column }} = frequent_b.{{ column }} and {% endfor %}ordered_pairs.product_b = frequent_b.product_id
),

rules as (
    select * from rule_metrics
    where lift >= {{ var('min_lift') }}
)
{%- endmacro %}
