{#- Reading raw input files (docs/inputs.md). A path var is data, never SQL: it is quoted
    and escaped here, in one place, and the reader is chosen by file extension or by the
    var `<entity>_format`, never by a substring of the path. CSV lines the reader cannot
    parse are kept with the reader's reason (store_rejects), so that staging quarantines
    them instead of the reader dropping them or failing the build. DuckDB-specific: the
    Spark profile reads the bundled seeds, never files. An Excel workbook (.xlsx) is read as
    the CSV of its first sheet, served by ipre/xlsx_filesystem.py (iprexlsx://). -#}

{% macro raw_file_configured(entity) -%}
    {{ return(raw_input_kind(entity) == 'file') }}
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
    {%- if format in ('csv', 'tsv', 'parquet', 'xlsx') -%}{{ return(format) }}{%- endif -%}
    {%- if format not in ('', 'auto', 'none') -%}
        {{ exceptions.raise_compiler_error(
            "The var " ~ entity ~ "_format is '" ~ format ~ "': use csv, tsv, parquet, xlsx or auto.") }}
    {%- endif -%}
    {%- set name = path | lower -%}
    {%- if name.endswith('.parquet') -%}{{ return('parquet') }}{%- endif -%}
    {%- if name.endswith('.xlsx') -%}{{ return('xlsx') }}{%- endif -%}
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

{#- An .xlsx is read as UTF-8 CSV whatever input_encoding says: openpyxl decodes it. -#}
{% macro raw_file_read_path(entity, path, format) -%}
    {%- if format == 'xlsx' -%}{{ return('iprexlsx://' ~ path) }}{%- endif -%}
    {%- if format == 'parquet' or input_encoding() != 'cp1252' -%}{{ return(path) }}{%- endif -%}
    {%- if (path | lower).endswith('.gz') or (path | lower).endswith('.zst') -%}
        {{ exceptions.raise_compiler_error("The " ~ entity ~ " input '" ~ path ~ "' is compressed:"
            ~ " input_encoding cp1252 needs an uncompressed file (or convert it to UTF-8).") }}
    {%- endif -%}
    {{ return('ipre1252://' ~ path) }}
{%- endmacro %}

{#- The files the reader opens, as a SQL literal: the path (or glob), or, when a file has
    mixed CRLF / LF line ends, the list of files with that one replaced by an LF copy
    (ipre_lf_paths, ipre/line_endings.py); and copy -> original, to name the original. -#}
{% macro raw_file_sources(entity, path, format) -%}
    {%- set read_path = raw_file_read_path(entity, path, format) -%}
    {%- set literal = sql_path_literal(entity, read_path) -%}
    {%- if format == 'parquet' or read_path != path or input_encoding() == 'utf-16' or not execute -%}
        {{ return({'literal': literal, 'originals': {}}) }}
    {%- endif -%}
    {%- set found = run_query("select ipre_lf_paths(" ~ literal
        ~ ", current_setting('temp_directory'))").rows[0][0] -%}
    {%- if not found -%}{{ return({'literal': literal, 'originals': {}}) }}{%- endif -%}
    {%- set files = [] -%}
    {%- set originals = {} -%}
    {%- for pair in fromjson(found) -%}
        {%- do files.append(sql_path_literal(entity, pair[0])) -%}
        {%- if pair[0] != pair[1] -%}{%- do originals.update({pair[0]: pair[1]}) -%}{%- endif -%}
    {%- endfor -%}
    {%- do log("The " ~ entity ~ " input '" ~ path ~ "' mixes CRLF and LF line ends: read from an"
        ~ " LF copy, line numbers unchanged (docs/inputs.md).", info=true) -%}
    {{ return({'literal': '[' ~ files | join(', ') ~ ']', 'originals': originals}) }}
{%- endmacro %}

{% macro raw_file_reader(entity, literal, rejects_prefix=none, reader_columns=none, delimiter=',') -%}
    {%- set path = var(entity ~ '_path', '') | string | trim -%}
    {%- set format = raw_file_format(entity, path) -%}
    {%- if format == 'parquet' -%}
        {{ return('read_parquet(' ~ literal ~ ')') }}
    {%- endif -%}
    {%- set encoding = 'utf-8' if format == 'xlsx' else input_encoding() -%}
    {%- set encoding_option = "encoding = '" ~ ('utf-8' if encoding == 'cp1252' else encoding) ~ "'" -%}
    {%- if reader_columns is none -%}
        {#- the first line whole: one column, a delimiter (chr(1)) no text line holds; errors
            are ignored, as the reader checks the encoding of more lines than the first; one
            sequential scan, so that `limit 1` is the first line whatever the thread count -#}
        {{ return('read_csv(' ~ literal ~ ", header = false, auto_detect = false,"
            ~ " columns = {'header_line': 'VARCHAR'}, delim = chr(1), quote = '', escape = '',"
            ~ " strict_mode = false, ignore_errors = true, parallel = false, " ~ encoding_option ~ ')') }}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- for name in reader_columns -%}
        {%- do columns.append("'" ~ name ~ "': 'VARCHAR'") -%}
    {%- endfor -%}
    {%- set options = [
        'header = false', 'skip = 1', 'auto_detect = false',
        'columns = {' ~ columns | join(', ') ~ '}',
        "delim = '" ~ delimiter ~ "'",
        "quote = '\"'", "escape = '\"'", 'strict_mode = true', 'null_padding = false',
        encoding_option, 'max_line_size = 16777216', 'buffer_size = 33554432',
    ] -%}
    {#- max_line_size: a free-text field of a few MB is data (DuckDB's default stops at 2 MB
        lines); longer lines are quarantined as unparseable_line -#}
    {%- if rejects_prefix -%}
        {%- do options.extend([
            'store_rejects = true',
            "rejects_table = '" ~ rejects_prefix ~ "_rejects'",
            "rejects_scan = '" ~ rejects_prefix ~ "_scans'",
        ]) -%}
    {%- endif -%}
    {{ return('read_csv(' ~ literal ~ ', ' ~ options | join(', ') ~ ')') }}
{%- endmacro %}

{% macro raw_file_header_line(entity, literal) -%}
    {%- set first = run_query('select header_line from ' ~ raw_file_reader(entity, literal) ~ ' limit 1') -%}
    {{ return(((first.rows[0][0] or '') if first.rows | length > 0 else '').replace('\ufeff', '')) }}
{%- endmacro %}

{% macro raw_file_header(header_line, delimiter) -%}
    {%- set names = [] -%}
    {%- for part in header_line.split(delimiter) -%}
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
    {%- set prefix = 'ipre_' ~ entity -%}
    {%- set format = raw_file_format(entity, path) -%}
    {%- set lines_table = prefix ~ '_lines' -%}
    {%- set column_map = {} -%}
    {%- set reader_names = {} -%}
    {%- set sources = {'originals': {}} -%}
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
        {%- do sources.update(raw_file_sources(entity, path, format)) -%}
        {%- if format == 'parquet' -%}
            {%- set columns = run_query('select * from ' ~ raw_file_reader(entity, sources.literal)
                ~ ' limit 0').column_names -%}
            {%- set delimiter = ',' -%}
        {%- else -%}
            {%- set header_line = raw_file_header_line(entity, sources.literal) -%}
            {%- set delimiter = input_delimiter(entity, header_line, format) -%}
            {%- set columns = raw_file_header(header_line, delimiter) -%}
            {#- the reader names columns by position: header names may repeat or hold quotes -#}
            {%- for column in columns -%}
                {%- if column not in reader_names -%}
                    {%- do reader_names.update({column: 'column_' ~ loop.index}) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
        {%- if format == 'parquet' -%}
            {%- set hint = '' -%}
        {%- elif format == 'xlsx' -%}
            {%- set hint = " (its first sheet; the header is the sheet's first row)" -%}
        {%- else -%}
            {%- set hint = " (delimiter '" ~ ('tab' if delimiter == '\t' else delimiter) ~ "'; set the var "
                ~ entity ~ "_delimiter if that is wrong; if the header line is not "
                ~ input_encoding() ~ " text, set the var input_encoding)" -%}
        {%- endif -%}
        {%- do column_map.update(input_column_map(entity, columns, what ~ hint)) -%}
        {%- do log_defaulted_columns(entity, column_map, what) -%}
        {%- set reader_columns = [] -%}
        {%- for column in columns -%}{%- do reader_columns.append('column_' ~ loop.index) -%}{%- endfor -%}
        {%- do run_query('create or replace temp table ' ~ lines_table ~ ' as select * from '
            ~ raw_file_reader(entity, sources.literal, none if format == 'parquet' else prefix,
                              reader_columns, delimiter)) -%}
        {%- if format != 'parquet' -%}
            {%- set counted = run_query('select (select count(*) from ' ~ lines_table ~ ') + (select'
                ~ ' count(distinct (scan_id, file_id, line)) from ' ~ prefix ~ '_rejects)') -%}
        {%- else -%}
            {%- set counted = run_query('select count(*) from ' ~ lines_table) -%}
        {%- endif -%}
        {%- if counted.rows[0][0] == 0 and entity != 'feedback' -%}
            {{ exceptions.raise_compiler_error("The " ~ what ~ " has no data rows (a header only?).") }}
        {%- endif -%}
    {%- else -%}
        {%- for name in raw_input_contract(entity).required -%}{%- do column_map.update({name: name}) -%}{%- endfor -%}
    {%- endif -%}
    {%- set selected = mapped_input_columns(entity, column_map, reader_names) %}
with parsed_lines as (
    select
        {%- for column in selected %}
        {{ column }},
        {%- endfor %}
        cast(null as varchar) as reader_rejection,
        cast(null as varchar) as reader_reason,
        cast(null as varchar) as raw_line
    from {{ lines_table }}
)
{%- if format != 'parquet' %},

-- one row per rejected line (the reader reports one row per faulty column of a line)
rejected_lines as (
    select
        {%- for column in selected %}
        cast(null as varchar) as {{ column.split(' as ')[-1] }},
        {%- endfor %}
        {%- set file_path -%}
        {%- if sources.originals -%}
        case scans.file_path
            {%- for copy, original in sources.originals.items() %}
            when {{ sql_path_literal(entity, copy) }} then {{ sql_path_literal(entity, original) }}
            {%- endfor %}
            else scans.file_path
        end
        {%- else -%}scans.file_path{%- endif -%}
        {%- endset %}
        -- the file as the user named it, not the converting filesystem's URI
        'file ' || replace(replace(any_value({{ file_path }}), 'iprexlsx://', ''), 'ipre1252://', '')
        || ' line ' || cast(rejects.line as varchar) || ': '
        || string_agg(rejects.error_type || ' (' || rejects.error_message || ')', '; '
            order by rejects.column_idx) as reader_rejection,
        -- a line rejected only for its encoding, with no control characters, is text in
        -- another encoding (a latin-1 é read as utf-8), not a garbage line
        case
            when
                bool_and(rejects.error_type = 'INVALID ENCODING')
                and not regexp_matches(any_value(rejects.csv_line), '[\x00-\x08\x0e-\x1f]')
                then 'invalid_encoding'
            else 'unparseable_line'
        end as reader_reason,
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
    {%- if raw_input_kind(entity) == 'none' -%}{{ return(sample_columns[entity]) }}{%- endif -%}
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
