{#- Which column of a user's export is which spec column (docs/inputs.md, "Bring your own
    export"). Names match ignoring case, spaces, underscores and hyphens; the var
    `<entity>_columns` maps the rest. Shared by file and relation inputs. -#}

{% macro raw_input_contract(entity) -%}
    {#- required: the build stops without them; defaults: a master column the input may lack,
        filled with one value (one Unknown category, in stock); optional: read when present;
        attributes: invoice-line columns that feed masters derived from the lines. -#}
    {%- set contracts = {
        'customers': {
            'required': ['customer_id'],
            'defaults': {'region': 'Unknown', 'end_use': 'Unknown'},
            'optional': ['customer_name'],
            'attributes': [],
        },
        'products': {
            'required': ['product_id'],
            'defaults': {'l2_category': 'Unknown', 'l3_category': 'Unknown',
                         'functionality': 'Unknown', 'in_stock': 'true'},
            'optional': ['product_name', 'brand', 'unit_price'],
            'attributes': [],
        },
        'invoices': {
            'required': ['invoice_date', 'customer_id', 'product_id', 'quantity'],
            'defaults': {},
            'optional': ['invoice_id', 'unit_price'],
            'attributes': ['product_name', 'brand', 'l2_category', 'l3_category', 'functionality',
                           'customer_name', 'region', 'end_use'],
        },
        'feedback': {
            'required': ['customer_id', 'product_id', 'rating', 'feedback_date'],
            'defaults': {},
            'optional': ['reason_code', 'sentiment'],
            'attributes': [],
        },
    } -%}
    {{ return(contracts[entity]) }}
{%- endmacro %}

{% macro input_known_columns(entity) -%}
    {%- set contract = raw_input_contract(entity) -%}
    {{ return(contract.required + (contract.defaults.keys() | list) + contract.optional
        + contract.attributes) }}
{%- endmacro %}

{% macro normalised_column_name(name) -%}
    {{ return((name | string).replace('\ufeff', '') | trim | lower
        | replace(' ', '') | replace('_', '') | replace('-', '')) }}
{%- endmacro %}

{#- The var `<entity>_columns` as a mapping spec name -> input column name. -#}
{% macro input_columns_var(entity) -%}
    {%- set name = entity ~ '_columns' -%}
    {%- set value = var(name, {}) -%}
    {%- if value is string -%}
        {%- set value = fromyaml(value) if value | trim else {} -%}
    {%- endif -%}
    {%- if value is none -%}{{ return({}) }}{%- endif -%}
    {%- if value is not mapping -%}
        {{ exceptions.raise_compiler_error("The var " ~ name ~ " must map spec column names to the"
            ~ " input's column names, e.g. " ~ name ~ ": {product_id: StockCode}.") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- spec column -> the input's column, from the input's column names; fails naming the var
    when the mapping names a column the input lacks or a required column stays unmatched. -#}
{% macro input_column_map(entity, columns, what) -%}
    {%- set contract = raw_input_contract(entity) -%}
    {%- set known = input_known_columns(entity) -%}
    {%- set var_name = entity ~ '_columns' -%}
    {%- set result = {} -%}
    {%- set used = [] -%}
    {%- for spec, given in input_columns_var(entity).items() -%}
        {%- if spec not in known -%}
            {{ exceptions.raise_compiler_error("The var " ~ var_name ~ " maps '" ~ spec
                ~ "', which is not a column of the " ~ entity ~ " contract: " ~ known | join(', ')
                ~ " (docs/inputs.md).") }}
        {%- endif -%}
        {%- set found = [] -%}
        {%- for column in columns if column == given
            or normalised_column_name(column) == normalised_column_name(given) -%}
            {%- do found.append(column) -%}
        {%- endfor -%}
        {%- if not found -%}
            {{ exceptions.raise_compiler_error("The var " ~ var_name ~ " maps " ~ spec ~ " to '"
                ~ given ~ "', which the " ~ what ~ " lacks. Its columns: " ~ columns | join(', ')
                ~ ".") }}
        {%- endif -%}
        {%- do result.update({spec: found[0]}) -%}
        {%- do used.append(found[0]) -%}
    {%- endfor -%}
    {#- a products price may come under five names: the first present is the price -#}
    {%- set aliases = {'unit_price': ['unit_price', 'price', 'list_price', 'unit_cost', 'sale_price']}
        if entity == 'products' else {} -%}
    {%- for spec in known if spec not in result -%}
        {%- set found = [] -%}
        {%- for alias in aliases.get(spec, [spec]) if not found -%}
            {%- for column in columns if column not in used
                and normalised_column_name(column) == normalised_column_name(alias) -%}
                {%- do found.append(column) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- if found | length > 1 -%}
            {{ exceptions.raise_compiler_error("The " ~ what ~ " has the column " ~ spec
                ~ " twice (" ~ found | join(', ') ~ "; names match ignoring case, spaces,"
                ~ " underscores and hyphens): map one with the var " ~ var_name ~ ".") }}
        {%- endif -%}
        {%- if found -%}{%- do result.update({spec: found[0]}) -%}{%- endif -%}
    {%- endfor -%}
    {%- set missing = [] -%}
    {%- for name in contract.required if name not in result -%}
        {%- do missing.append(name) -%}
    {%- endfor -%}
    {%- if missing -%}
        {{ exceptions.raise_compiler_error("The " ~ what ~ " lacks the required column(s) "
            ~ missing | join(', ') ~ ". Its columns: " ~ columns | join(', ')
            ~ ". Required: " ~ contract.required | join(', ') ~ ". Map the input's names with the"
            ~ " var " ~ var_name ~ ", e.g. " ~ var_name ~ ": {" ~ missing[0] ~ ": <its column>};"
            ~ " `ipre inspect` proposes the mapping (docs/inputs.md).") }}
    {%- endif -%}
    {{ return(result) }}
{%- endmacro %}

{#- The select list of raw_file_<entity> from mapped input columns: every known column the
    input has, as text, under its spec name; absent master columns with their one value.
    reader_names: input name -> the name the reader gave the column (CSV: by position). -#}
{% macro mapped_input_columns(entity, column_map, reader_names={}) -%}
    {%- set defaults = raw_input_contract(entity).defaults -%}
    {%- set parts = [] -%}
    {%- for spec in input_known_columns(entity) -%}
        {%- if spec in column_map -%}
            {%- set source = adapter.quote(reader_names.get(column_map[spec], column_map[spec])) -%}
            {%- do parts.append('cast(' ~ source ~ ' as ' ~ dbt.type_string() ~ ') as ' ~ spec) -%}
        {%- elif spec in defaults -%}
            {%- do parts.append("cast('" ~ defaults[spec] ~ "' as " ~ dbt.type_string() ~ ") as " ~ spec) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(parts) }}
{%- endmacro %}

{% macro log_defaulted_columns(entity, column_map, what) -%}
    {%- if not execute or model.resource_type == 'unit_test' -%}{{ return('') }}{%- endif -%}
    {%- for spec, value in raw_input_contract(entity).defaults.items() if spec not in column_map -%}
        {%- do log("The " ~ what ~ " has no column " ~ spec ~ ": every row gets '" ~ value
            ~ "' (docs/inputs.md).", info=true) -%}
    {%- endfor -%}
{%- endmacro %}

{#- The delimiter of a CSV input: the var `<entity>_delimiter`, else tab for TSV, else the
    candidate the header line holds most often (a comma when it holds none). -#}
{% macro input_delimiter(entity, header_line, format) -%}
    {#- an .xlsx is served as comma-separated CSV (ipre/xlsx_filesystem.py), whatever its
        cells hold: counting delimiters in its header could only guess wrong -#}
    {%- if format == 'xlsx' -%}{{ return(',') }}{%- endif -%}
    {%- set name = entity ~ '_delimiter' -%}
    {%- set given = var(name, '') | string -%}
    {%- set given = '\t' if given | lower in ('tab', '\\t') else given -%}
    {%- if given != '' -%}
        {%- if given not in (',', ';', '\t', '|') -%}
            {{ exceptions.raise_compiler_error("The var " ~ name ~ " is '" ~ given
                ~ "': use , ; tab or | (or leave it empty to detect it from the header line).") }}
        {%- endif -%}
        {{ return(given) }}
    {%- endif -%}
    {%- if format == 'tsv' -%}{{ return('\t') }}{%- endif -%}
    {%- set best = [',', 0] -%}
    {%- for candidate in [',', ';', '\t', '|'] -%}
        {%- set count = (header_line or '').count(candidate) -%}
        {%- if count > best[1] -%}
            {%- do best.clear() -%}{%- do best.extend([candidate, count]) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(best[0]) }}
{%- endmacro %}
