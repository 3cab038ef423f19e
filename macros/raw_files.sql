{#- Reading raw input files (docs/inputs.md). A path var is data, never SQL: it is quoted
    and escaped here, in one place, and the reader is chosen by file extension or by the
    var `<entity>_format`, never by a substring of the path. CSV lines the reader cannot
    parse are kept with the reader's reason (store_rejects), so that staging quarantines
    them instead of the reader dropping them or failing the build. DuckDB-specific: the
    Spark profile reads the bundled seeds, never files. -#}

{% macro raw_input_contract(entity) -%}
    {%- set contracts = {
        'customers': {
            'required': ['customer_id', 'region', 'end_use'],
            'optional': ['customer_name'],
        },
        'products': {
            'required': ['product_id', 'l2_category', 'l3_category', 'functionality', 'in_stock'],
            'optional': ['product_name', 'brand', 'unit_price', 'price', 'list_price', 'unit_cost',
                         'sale_price'],
        },
        'invoices': {
            'required': ['invoice_date', 'customer_id', 'product_id', 'quantity'],
            'optional': ['invoice_id', 'unit_price'],
        },
        'feedback': {
            'required': ['customer_id', 'product_id', 'rating', 'feedback_date'],
            'optional': ['reason_code', 'sentiment'],
        },
    } -%}
    {{ return(contracts[entity]) }}
{%- endmacro %}

{% macro raw_file_configured(entity) -%}
    {{ return((var(entity ~ '_path', '') | string | trim) not in ('', 'none')) }}
{%- endmacro %}

{% macro sql_path_literal(entity, path) -%}
    {%- for character in path -%}
        {%- if character < ' ' -%}
            {{ exceptions.raise_compiler_error(
                "The var " ~ entity ~ "_path holds a control character; give a plain file path.") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return("'" ~ (path | replace("'", "''")) ~ "'") }}
{%- endmacro %}

{% macro raw_file_format(entity, path) -%}
    {%- set format = var(entity ~ '_format', 'auto') | string | trim | lower -%}
    {%- if format in ('csv', 'tsv', 'parquet') -%}{{ return(format) }}{%- endif -%}
    {%- if format not in ('', 'auto', 'none') -%}
        {{ exceptions.raise_compiler_error(
            "The var " ~ entity ~ "_format is '" ~ format ~ "': use csv, tsv, parquet or auto.") }}
    {%- endif -%}
    {%- set name = path | lower -%}
    {%- if name.endswith('.parquet') -%}{{ return('parquet') }}{%- endif -%}
    {%- if name.endswith('.tsv') or name.endswith('.tsv.gz') -%}{{ return('tsv') }}{%- endif -%}
    {{ return('csv') }}
{%- endmacro %}

{% macro input_encoding() -%}
    {%- set name = var('input_encoding', 'utf-8') | string | trim | lower | replace('_', '-') -%}
    {%- set aliases = {
        'utf-8': 'utf-8', 'utf8': 'utf-8',
        'utf-16': 'utf-16', 'utf16': 'utf-16',
        'latin-1': 'latin-1', 'latin1': 'latin-1', 'iso-8859-1': 'latin-1', 'iso8859-1': 'latin-1',
        'cp1252': 'cp1252', 'windows-1252': 'cp1252',
    } -%}
    {%- if name not in aliases -%}
        {{ exceptions.raise_compiler_error(
            "The var input_encoding is '" ~ name ~ "': use utf-8, utf-16, latin-1 or cp1252.") }}
    {%- endif -%}
    {{ return(aliases[name]) }}
{%- endmacro %}

{% macro raw_file_read_path(entity, path, format) -%}
    {%- if format == 'parquet' or input_encoding() != 'cp1252' -%}{{ return(path) }}{%- endif -%}
    {%- if (path | lower).endswith('.gz') or (path | lower).endswith('.zst') -%}
        {{ exceptions.raise_compiler_error("The " ~ entity ~ " input '" ~ path ~ "' is compressed:"
            ~ " input_encoding cp1252 needs an uncompressed file (or convert it to UTF-8).") }}
    {%- endif -%}
    {{ return('ipre1252://' ~ path) }}
{%- endmacro %}

{% macro raw_file_reader(entity, rejects_prefix=none, header=none) -%}
    {%- set path = var(entity ~ '_path', '') | string | trim -%}
    {%- set format = raw_file_format(entity, path) -%}
    {%- set literal = sql_path_literal(entity, raw_file_read_path(entity, path, format)) -%}
    {%- if format == 'parquet' -%}
        {{ return('read_parquet(' ~ literal ~ ')') }}
    {%- endif -%}
    {%- set encoding = input_encoding() -%}
    {%- set encoding_option = "encoding = '" ~ ('utf-8' if encoding == 'cp1252' else encoding) ~ "'" -%}
    {%- if header is none -%}
        {#- the first line whole: one column, a delimiter (chr(1)) no text line holds; errors
            are ignored, as the reader checks the encoding of more lines than the first; one
            sequential scan, so that `limit 1` is the first line whatever the thread count -#}
        {{ return('read_csv(' ~ literal ~ ", header = false, auto_detect = false,"
            ~ " columns = {'header_line': 'VARCHAR'}, delim = chr(1), quote = '', escape = '',"
            ~ " strict_mode = false, ignore_errors = true, parallel = false, " ~ encoding_option ~ ')') }}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- for name in header -%}
        {%- do columns.append("'" ~ (name | replace("'", "''")) ~ "': 'VARCHAR'") -%}
    {%- endfor -%}
    {%- set options = [
        'header = false', 'skip = 1', 'auto_detect = false',
        'columns = {' ~ columns | join(', ') ~ '}',
        "delim = '" ~ ('\t' if format == 'tsv' else ',') ~ "'",
        "quote = '\"'", "escape = '\"'", 'strict_mode = true', 'null_padding = false',
        encoding_option,
    ] -%}
    {%- if rejects_prefix -%}
        {%- do options.extend([
            'store_rejects = true',
            "rejects_table = '" ~ rejects_prefix ~ "_rejects'",
            "rejects_scan = '" ~ rejects_prefix ~ "_scans'",
        ]) -%}
    {%- endif -%}
    {{ return('read_csv(' ~ literal ~ ', ' ~ options | join(', ') ~ ')') }}
{%- endmacro %}

{% macro raw_file_header(entity) -%}
    {%- set path = var(entity ~ '_path', '') | string | trim -%}
    {%- set delimiter = '\t' if raw_file_format(entity, path) == 'tsv' else ',' -%}
    {%- set first = run_query('select header_line from ' ~ raw_file_reader(entity) ~ ' limit 1') -%}
    {%- set names = [] -%}
    {%- for part in ((first.rows[0][0] or '') if first.rows | length > 0 else '').split(delimiter) -%}
        {%- set name = part | trim -%}
        {%- if name | length >= 2 and name.startswith('"') and name.endswith('"') -%}
            {%- set name = name[1:-1] | replace('""', '"') | trim -%}
        {%- endif -%}
        {%- do names.append(name if name else 'column_' ~ loop.index) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{% macro raw_file_lines(entity) -%}
    {%- set path = var(entity ~ '_path', '') | string | trim -%}
    {%- set what = entity ~ " input '" ~ path ~ "' (var " ~ entity ~ "_path)" -%}
    {%- set contract = raw_input_contract(entity) -%}
    {%- set prefix = 'ipre_' ~ entity -%}
    {%- set format = raw_file_format(entity, path) -%}
    {%- set encoding = input_encoding() -%}
    {%- set lines_table = prefix ~ '_lines' -%}
    {%- set present = {} -%}
    {%- if execute -%}
        {#- read_blob lists the files without reading them: a glob matching nothing or an
            empty file fails here with its name, not later as a Binder Error. -#}
        {%- set files = run_query('select filename, size from read_blob('
            ~ sql_path_literal(entity, raw_file_read_path(entity, path, format)) ~ ') order by filename') -%}
        {%- if files.rows | length == 0 -%}
            {{ exceptions.raise_compiler_error("No file matches the " ~ what ~ ".") }}
        {%- endif -%}
        {%- for file in files.rows -%}
            {%- if file[1] == 0 -%}
                {{ exceptions.raise_compiler_error("The " ~ entity ~ " file '" ~ file[0]
                    ~ "' (var " ~ entity ~ "_path) is empty (0 bytes)"
                    ~ ("; without feedback, set feedback_path: none" if entity == 'feedback' else "")
                    ~ ".") }}
            {%- endif -%}
        {%- endfor -%}
        {%- if format == 'parquet' -%}
            {%- set columns = run_query('select * from ' ~ raw_file_reader(entity) ~ ' limit 0').column_names -%}
        {%- else -%}
            {%- set columns = raw_file_header(entity) -%}
        {%- endif -%}
        {%- for column in columns -%}
            {%- set name = column | trim | lower -%}
            {%- if name in present -%}
                {{ exceptions.raise_compiler_error("The " ~ what ~ " has the column " ~ name
                    ~ " twice (names are matched case-insensitively).") }}
            {%- endif -%}
            {%- do present.update({name: column}) -%}
        {%- endfor -%}
        {%- set missing = [] -%}
        {%- for name in contract.required if name not in present -%}
            {%- do missing.append(name) -%}
        {%- endfor -%}
        {%- if missing -%}
            {{ exceptions.raise_compiler_error("The " ~ what ~ " lacks the required column(s) "
                ~ missing | join(', ') ~ ". Its columns: " ~ columns | join(', ')
                ~ ". Required: " ~ contract.required | join(', ') ~ " (docs/inputs.md)."
                ~ (" If the header line is not " ~ encoding ~ " text, set the var input_encoding."
                   if format != 'parquet' else "")) }}
        {%- endif -%}
        {%- do run_query('create or replace temp table ' ~ lines_table ~ ' as select * from '
            ~ raw_file_reader(entity, none if format == 'parquet' else prefix, columns)) -%}
        {%- if format != 'parquet' -%}
            {#- A line rejected only for its encoding, with no control characters, is text
                in another encoding (a latin-1 é read as utf-8), not a garbage line: the
                whole file is then read wrongly, so fail and name the var to set. -#}
            {%- set wrong_encoding = run_query(
                "select rejected.line, rejected.csv_line from " ~ prefix ~ "_rejects as rejected"
                ~ " where rejected.error_type = 'INVALID ENCODING'"
                ~ " and not regexp_matches(rejected.csv_line, '[\\x00-\\x08\\x0e-\\x1f]')"
                ~ " and not exists (select 1 from " ~ prefix ~ "_rejects as other"
                ~ " where other.scan_id = rejected.scan_id and other.file_id = rejected.file_id"
                ~ " and other.line = rejected.line and other.error_type != 'INVALID ENCODING')"
                ~ " order by rejected.line limit 1") -%}
            {%- if wrong_encoding.rows | length > 0 -%}
                {{ exceptions.raise_compiler_error("The " ~ what ~ " is not valid " ~ encoding
                    ~ " text (line " ~ wrong_encoding.rows[0][0] ~ "): set the var input_encoding"
                    ~ " to the file's encoding (utf-8, utf-16, latin-1 or cp1252).") }}
            {%- endif -%}
            {%- set counted = run_query('select (select count(*) from ' ~ lines_table ~ ') + (select'
                ~ ' count(distinct (scan_id, file_id, line)) from ' ~ prefix ~ '_rejects)') -%}
        {%- else -%}
            {%- set counted = run_query('select count(*) from ' ~ lines_table) -%}
        {%- endif -%}
        {%- if counted.rows[0][0] == 0 and entity != 'feedback' -%}
            {{ exceptions.raise_compiler_error("The " ~ what ~ " has no data rows (a header only?).") }}
        {%- endif -%}
    {%- endif -%}
    {%- set known = contract.required + contract.optional -%}
    {%- set kept = [] -%}
    {%- for name in known if name in present or not execute -%}
        {%- do kept.append(name) -%}
    {%- endfor %}
with parsed_lines as (
    select
        {%- for name in kept %}
        cast({{ adapter.quote(present.get(name, name)) }} as varchar) as {{ name }},
        {%- endfor %}
        cast(null as varchar) as reader_rejection,
        cast(null as varchar) as raw_line
    from {{ lines_table }}
)
{%- if format != 'parquet' %},

-- one row per rejected line (the reader reports one row per faulty column of a line)
rejected_lines as (
    select
        {%- for name in kept %}
        cast(null as varchar) as {{ name }},
        {%- endfor %}
        'file ' || any_value(scans.file_path) || ' line ' || cast(rejects.line as varchar) || ': '
        || string_agg(rejects.error_type || ' (' || rejects.error_message || ')', '; '
            order by rejects.column_idx) as reader_rejection,
        any_value(rejects.csv_line) as raw_line
    from {{ prefix }}_rejects as rejects
    inner join {{ prefix }}_scans as scans
        on rejects.scan_id = scans.scan_id and rejects.file_id = scans.file_id
    group by rejects.scan_id, rejects.file_id, rejects.line
)

select * from parsed_lines
union all
select * from rejected_lines
{%- else %}

select * from parsed_lines
{%- endif %}
{%- endmacro %}

{% macro raw_input_columns(entity) -%}
    {%- set sample_columns = {
        'customers': ['customer_id', 'customer_name', 'region', 'end_use'],
        'products': ['product_id', 'product_name', 'brand', 'l2_category', 'l3_category',
                     'functionality', 'in_stock', 'unit_price'],
        'invoices': ['invoice_id', 'invoice_date', 'customer_id', 'product_id', 'quantity'],
        'feedback': ['customer_id', 'product_id', 'rating', 'reason_code', 'sentiment',
                     'feedback_date'],
    } -%}
    {%- set path = var(entity ~ '_path', '') | string | trim -%}
    {%- if path == 'none' and entity == 'feedback' -%}{{ return(sample_columns[entity]) }}{%- endif -%}
    {%- set names = relation_column_names(raw_input_relation(entity)) -%}
    {{ return(names if names else sample_columns[entity]) }}
{%- endmacro %}

{% macro raw_column(name, columns) -%}
    {%- if name in columns -%}{{ name }}
    {%- else -%}cast(null as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}

{% macro missing_optional_columns(entity, log_them=false) -%}
    {%- set columns = raw_input_columns(entity) -%}
    {%- set optional = raw_input_contract(entity).optional -%}
    {%- if entity == 'products' -%}{%- set optional = ['product_name', 'brand', 'unit_price'] -%}{%- endif -%}
    {%- set missing = [] -%}
    {%- for name in optional if name not in columns -%}
        {%- if not (entity == 'products' and name == 'unit_price' and find_price_column(raw_input_relation(entity))) -%}
            {%- do missing.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {#- a unit test compiles the model again: log from the model only -#}
    {%- if log_them and execute and model.resource_type != 'unit_test' -%}
        {%- for name in missing -%}
            {%- do log("The " ~ entity ~ " input has no optional column " ~ name
                ~ ": treated as empty (docs/inputs.md).", info=true) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(missing) }}
{%- endmacro %}

{% macro missing_columns_literal(entity) -%}
    {%- set missing = missing_optional_columns(entity) -%}
    {%- if missing -%}'{{ missing | join(', ') }}'
    {%- else -%}cast(null as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}

{% macro drop_raw_file_temp_tables(entity) -%}
    {%- if not raw_file_configured(entity) -%}{{ return('') }}{%- endif -%}
    {%- set statements = [] -%}
    {%- for suffix in ['lines', 'rejects', 'scans'] -%}
        {%- do statements.append('drop table if exists temp.main.ipre_' ~ entity ~ '_' ~ suffix) -%}
    {%- endfor -%}
    {{ return(statements | join('; ')) }}
{%- endmacro %}
