{% test row_count_equals(model, compare_model, compare_where='1 = 1') %}
with model_rows as (
    select count(*) as row_count from {{ model }}
),

compare_rows as (
    select count(*) as row_count from {{ compare_model }} where {{ compare_where }}
)

select model_rows.row_count as model_rows, compare_rows.row_count as compare_rows
from model_rows cross join compare_rows
where model_rows.row_count != compare_rows.row_count
{% endtest %}
