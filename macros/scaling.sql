{#- Min-max scaling to [0, 1] over the whole relation (an analytic expression).
    When every value is equal the spread is zero and the scaled value is undefined; we
    return 0.5, the midpoint, so a degenerate feature carries no signal either way. -#}
{% macro min_max_scale(expr) -%}
    case
        when max({{ expr }}) over () = min({{ expr }}) over () then 0.5
        else ({{ expr }} - min({{ expr }}) over ())
            / (max({{ expr }}) over () - min({{ expr }}) over ())
    end
{%- endmacro %}

{#- Low / Mid / High tertile of `value` within `partition_by`, for rows with a value.
    Counts, not floating cume_dist, decide the band, and equal values share a band:
    a value is Low when at most a third of the partition is <= it, Mid up to two thirds. -#}
{% macro tertile_band(value, partition_by) -%}
    case
        when 3 * count(*) over (partition by {{ partition_by }} order by {{ value }})
            <= count(*) over (partition by {{ partition_by }}) then 'Low'
        when 3 * count(*) over (partition by {{ partition_by }} order by {{ value }})
            <= 2 * count(*) over (partition by {{ partition_by }}) then 'Mid'
        else 'High'
    end
{%- endmacro %}
