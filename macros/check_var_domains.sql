{% macro check_var_domains() -%}
    {%- set problems = [] -%}
    {%- set number_re = '\\s*[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?\\s*' -%}
    {%- for name, domain in ipre_var_domains().items() -%}
        {%- set raw = var(name, none) -%}
        {%- set value = raw -%}
        {%- set bad = [] -%}
        {%- if value is none -%}
            {%- if not domain.nullable -%}{%- do bad.append(true) -%}{%- endif -%}
        {%- elif domain.kind in ('integer', 'number') -%}
            {%- if value is string and modules.re.fullmatch(number_re, value) -%}
                {%- set value = value | float -%}
            {%- endif -%}
            {%- if value is boolean or value is not number -%}
                {%- do bad.append(true) -%}
            {%- elif domain.kind == 'integer' and value != (value | int) -%}
                {%- do bad.append(true) -%}
            {%- elif domain.low is not none and (value < domain.low or (domain.low_open and value == domain.low)) -%}
                {%- do bad.append(true) -%}
            {%- elif domain.high is not none and value > domain.high -%}
                {%- do bad.append(true) -%}
            {%- endif -%}
        {%- elif domain.kind == 'date' -%}
            {%- if not modules.re.fullmatch('\\d{4}-\\d{2}-\\d{2}', value | string) -%}
                {%- do bad.append(true) -%}
            {%- endif -%}
        {%- elif domain.kind == 'columns' -%}
            {%- if value is string and value | trim -%}{%- set value = fromyaml(value) -%}{%- endif -%}
            {%- if value is not mapping and value not in ('', none) -%}
                {%- do bad.append(true) -%}
            {%- elif value is mapping -%}
                {%- for key in value if key not in domain.choices -%}{%- do bad.append(true) -%}{%- endfor -%}
            {%- endif -%}
        {%- elif domain.kind == 'strptime' -%}
            {%- if value | trim and ('%' not in value or "'" in value) -%}{%- do bad.append(true) -%}{%- endif -%}
        {%- elif domain.kind == 'relation' -%}
            {%- if value | trim and not modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_$]*([.][A-Za-z_][A-Za-z0-9_$]*){0,2}', value | trim) -%}
                {%- do bad.append(true) -%}
            {%- endif -%}
        {%- elif domain.kind in ('choice', 'delimiter') -%}
            {%- if value not in domain.choices -%}{%- do bad.append(true) -%}{%- endif -%}
        {%- elif domain.kind == 'ids' -%}
            {#- a YAML list, or comma-separated text; ids without quotes or backslashes -#}
            {%- if value is mapping or (value is not string and value is not sequence) -%}
                {%- do bad.append(true) -%}
            {%- else -%}
                {%- for item in ipre_id_list(value) -%}
                    {%- if "'" in item or '"' in item or '\\' in item -%}{%- do bad.append(true) -%}{%- endif -%}
                {%- endfor -%}
            {%- endif -%}
        {%- elif domain.kind == 'list' -%}
            {%- for item in (value | string).split(',') -%}
                {%- if item | trim not in domain.choices -%}{%- do bad.append(true) -%}{%- endif -%}
            {%- endfor -%}
        {%- endif -%}
        {%- if bad -%}
            {%- do problems.append(name ~ ': ' ~ raw ~ ' is not allowed: must be ' ~ domain.describe) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(
            "invalid vars (docs/parameters.md), nothing was built:\n  - " ~ problems | join("\n  - ")
        ) }}
    {%- endif -%}
{%- endmacro %}
