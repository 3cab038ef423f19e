{% macro min_max_scale(expr) -%}
    case
        when max({{ expr }}) over () = min({{ expr }}) over () then 0.5
        else ({{ expr }} - min({{ expr }}) over ())
            / (max({{ expr }}) over () - min({{ expr }}) over ())
    end
{%- endmacro %}

{% macro tertile_band(value, partition_by) -%}
    case
        when 3 * count(*) over (partition by {{ partition_by }} order by {{ value }})
            <= count(*) over (partition by {{ partition_by }}) then 'Low'
        when 3 * count(*) over (partition by {{ partition_by }} order by {{ value }})
            <= 2 * count(*) over (partition by {{ partition_by }}) then 'Mid'
        else 'High'
    end
{%- endmacro %}
