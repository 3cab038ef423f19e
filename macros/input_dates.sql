{#- Dates as a user's export writes them (docs/inputs.md). ISO dates and timestamps read as
    before; other forms come from the var <date column>_format (a strptime format) or are
    detected from the data: a form that reads more values than every other wins, and a day
    above 12 settles day/month order for the whole column. Two forms that read as many
    values with different dates stop the build with both and the var to set: never a
    silent guess. -#}

{% macro date_format_candidates() -%}
    {%- set forms = [] -%}
    {%- for date in ['%m/%d/%Y', '%d/%m/%Y', '%d.%m.%Y', '%d-%m-%Y', '%m-%d-%Y', '%Y/%m/%d',
                     '%m/%d/%y', '%d/%m/%y', '%d.%m.%y'] -%}
        {%- for time in [' %H:%M:%S', ' %H:%M', ' %I:%M:%S %p', ' %I:%M %p', ''] -%}
            {%- do forms.append(date ~ time) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(forms + ['%Y%m%d']) }}
{%- endmacro %}

{#- '' (ISO) or the strptime format of a date column of a raw input. -#}
{% macro input_date_format(entity, column) -%}
    {%- set var_name = column ~ '_format' -%}
    {%- set given = var(var_name, '') | string | trim -%}
    {%- if given -%}
        {%- if '%' not in given or "'" in given -%}
            {{ exceptions.raise_compiler_error("The var " ~ var_name ~ " is '" ~ given
                ~ "': give a strptime format such as %d.%m.%Y or %m/%d/%Y %H:%M.") }}
        {%- endif -%}
        {{ return(given) }}
    {%- endif -%}
    {%- set relation = raw_input_relation(entity) -%}
    {%- if not execute or model.resource_type == 'unit_test' or raw_input_kind(entity) == 'sample'
        or column not in relation_column_names(relation) -%}
        {{ return('') }}
    {%- endif -%}
    {%- set value = clean_text(column) -%}
    {%- set counted = run_query('select count(*), coalesce(sum(case when '
        ~ try_to_utc_timestamp(value) ~ ' is null then 1 else 0 end), 0) from ' ~ relation
        ~ ' where ' ~ value ~ ' is not null').rows[0] -%}
    {%- if counted[1] == 0 -%}{{ return('') }}{%- endif -%}
    {{ return(detected_date_format(entity, column, relation, counted[0] - counted[1])) }}
{%- endmacro %}

{% macro detected_date_format(entity, column, relation, iso_lines) -%}
    {%- set candidates = date_format_candidates() -%}
    {%- set counts = [] -%}
    {%- for form in candidates -%}
        {#- %Y reads 23 as the year 23: a form only reads a value into a plausible year -#}
        {%- do counts.append('coalesce(sum(case when ' ~ parse_timestamp('value_text', form)
            ~ " >= cast('1000-01-01' as " ~ dbt.type_timestamp() ~ ') then line_count else 0 end), 0)') -%}
    {%- endfor -%}
    {#- a form must read more lines than ISO does; only the values ISO cannot read are tried,
        each once with its number of lines: few in an ISO column, so the check stays one scan -#}
    {%- set values_cte = 'with date_values as (select ' ~ clean_text(column) ~ ' as value_text,'
        ~ ' count(*) as line_count from ' ~ relation ~ ' where ' ~ clean_text(column)
        ~ ' is not null and ' ~ try_to_utc_timestamp(clean_text(column)) ~ ' is null'
        ~ ' group by ' ~ clean_text(column) ~ ') ' -%}
    {%- set row = [iso_lines] + (run_query(values_cte ~ 'select ' ~ counts | join(', ')
        ~ ' from date_values').rows[0] | list) -%}
    {%- set best = {'count': 0, 'forms': []} -%}
    {%- for form in candidates -%}
        {%- set read = row[loop.index] -%}
        {%- if read > row[0] and read > best.count -%}
            {%- do best.update({'count': read, 'forms': [form]}) -%}
        {%- elif read > 0 and read == best.count -%}
            {%- do best.forms.append(form) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not best.forms -%}{{ return('') }}{%- endif -%}
    {%- set chosen = best.forms[0] -%}
    {%- for other in best.forms[1:] -%}
        {%- set differing = run_query(values_cte ~ 'select count(*) from date_values where '
            ~ parse_timestamp('value_text', chosen) ~ ' != '
            ~ parse_timestamp('value_text', other)).rows[0][0] -%}
        {%- if differing > 0 -%}
            {{ exceptions.raise_compiler_error("The " ~ entity ~ " column " ~ column
                ~ " is ambiguous: " ~ best.count ~ " lines read both as " ~ chosen
                ~ " and as " ~ other ~ ", " ~ differing ~ " distinct values as different dates (no day"
                ~ " above 12 settles day/month order). Set the var " ~ column ~ "_format to the one"
                ~ " the export uses, e.g. " ~ column ~ "_format: '" ~ chosen ~ "'.") }}
        {%- endif -%}
    {%- endfor -%}
    {%- if model.resource_type != 'unit_test' -%}
        {%- do log("The " ~ entity ~ " column " ~ column ~ " is read as " ~ chosen
            ~ " (detected; set the var " ~ column ~ "_format to choose).", info=true) -%}
    {%- endif -%}
    {{ return(chosen) }}
{%- endmacro %}

{#- A UTC timestamp from text: ISO when the format is '', else the strptime format. -#}
{% macro input_timestamp(expr, date_format) -%}
    {%- if date_format -%}{{ parse_timestamp(expr, date_format) }}
    {%- else -%}{{ try_to_utc_timestamp(expr) }}
    {%- endif -%}
{%- endmacro %}

{% macro parse_timestamp(expr, date_format) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'ipre')(expr, date_format)) }}
{%- endmacro %}

{% macro default__parse_timestamp(expr, date_format) -%}
    try_strptime({{ expr }}, '{{ date_format }}')
{%- endmacro %}

{#- Spark reads Java datetime patterns: the strptime directives translated, letters between
    them quoted. One-letter M, d, H and h read one or two digits, as %m, %d and %H do. -#}
{% macro spark__parse_timestamp(expr, date_format) -%}
    {%- set directives = {'Y': 'yyyy', 'y': 'yy', 'm': 'M', 'd': 'd', 'H': 'H', 'I': 'h',
                          'M': 'mm', 'S': 'ss', 'p': 'a', 'b': 'MMM', 'B': 'MMMM', 'f': 'SSSSSS'} -%}
    {%- set parts = [] -%}
    {%- set state = {'directive': false} -%}
    {%- for character in date_format -%}
        {%- if state.directive -%}
            {%- do parts.append(directives.get(character, character)) -%}
            {%- do state.update({'directive': false}) -%}
        {%- elif character == '%' -%}
            {%- do state.update({'directive': true}) -%}
        {%- elif character.isalpha() -%}
            {%- do parts.append("''" ~ character ~ "''") -%}
        {%- else -%}
            {%- do parts.append(character) -%}
        {%- endif -%}
    {%- endfor -%}
    try_to_timestamp({{ expr }}, '{{ parts | join('') }}')
{%- endmacro %}
