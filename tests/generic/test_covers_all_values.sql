{% test covers_all_values(model, column_name, to, field) %}
select distinct parent.{{ field }} as missing_value
from {{ to }} as parent
where parent.{{ field }} is not null
  and not exists (
    select 1 from {{ model }} as child where child.{{ column_name }} = parent.{{ field }}
  )
{% endtest %}
