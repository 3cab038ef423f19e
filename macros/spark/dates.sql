{#- Date arithmetic on Spark, aligned with DuckDB. DuckDB's date_diff returns bigint, Spark's
    datediff an int: contracts declare bigint, so the day difference is widened here (the
    other dateparts keep dbt-spark's expressions, also widened). -#}
{% macro spark__datediff(first_date, second_date, datepart) -%}
    cast({{ dbt.spark__datediff(first_date, second_date, datepart) }} as bigint)
{%- endmacro %}
