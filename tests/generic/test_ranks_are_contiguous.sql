{% test ranks_are_contiguous(model, column_name, group_by, max_rank=none) %}
{%- set groups = group_by | join(', ') -%}
select
    {{ groups }},
    count(*) as rank_rows,
    count(distinct {{ column_name }}) as distinct_ranks,
    min({{ column_name }}) as min_rank,
    max({{ column_name }}) as max_rank
from {{ model }}
group by {{ groups }}
having min({{ column_name }}) != 1
    or max({{ column_name }}) != count(*)
    or count(distinct {{ column_name }}) != count(*)
    {%- if max_rank is not none %}
    or count(*) > {{ max_rank }}
    {%- endif %}
{% endtest %}
