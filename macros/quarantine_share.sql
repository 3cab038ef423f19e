{#- No riddles (docs/inputs.md): an input whose lines are mostly quarantined is a reading
    problem, not dirty data. Post-hook of the model that gives an input its final quarantine
    reasons: when no line is kept, or more than max_quarantined_share of the lines are
    quarantined, the build stops right there with the reason that took most lines, one raw
    example and the var that may fix it; below that, a warning in the build log. -#}

{% macro quarantine_reason_hint(entity, reason) -%}
    {%- set columns_var = entity ~ '_columns' -%}
    {%- set hints = {
        'unparseable_line': "the reader cannot split these lines: check the var " ~ entity
            ~ "_delimiter (and input_encoding)",
        'invalid_encoding': "the lines are not " ~ input_encoding() ~ " text: set the var"
            ~ " input_encoding (utf-8, utf-16, latin-1 or cp1252)",
        'unparseable_invoice_date': "set the var invoice_date_format to the dates' strptime form"
            ~ " (e.g. '%d.%m.%Y' or '%m/%d/%Y %H:%M')",
        'unparseable_feedback_date': "set the var feedback_date_format to the dates' strptime form",
        'future_invoice_date': "day and month swapped? set the var invoice_date_format",
        'implausible_invoice_date': "check the var invoice_date_format, or min_invoice_date",
        'non_numeric_quantity': "set the var decimal_separator if numbers use a decimal comma,"
            ~ " or map quantity with the var " ~ columns_var,
        'non_numeric_unit_price': "set the var decimal_separator if numbers use a decimal comma,"
            ~ " or map unit_price with the var " ~ columns_var,
        'non_positive_quantity': "is quantity the right column? check the var " ~ columns_var,
        'non_positive_unit_price': "is unit_price the right column? check the var " ~ columns_var,
        'unknown_customer_id': "the customers master does not know these ids: check customers_path,"
            ~ " or set customers_path: none to derive the customers from the invoice lines",
        'unknown_product_id': "the products master does not know these ids: check products_path,"
            ~ " or set products_path: none to derive the products from the invoice lines",
        'duplicate_row': "the input repeats its lines: was it exported (or concatenated) twice?",
        'invalid_rating': "check the var feedback_columns (rating is High, Medium or Low)",
    } -%}
    {{ return(hints.get(reason, "is the column mapped right? check the var " ~ columns_var)) }}
{%- endmacro %}

{% macro check_quarantine_share(entity) -%}
    {%- if not execute or model.resource_type == 'unit_test' -%}{{ return('') }}{%- endif -%}
    {%- set limit = var('max_quarantined_share', 0.5) | float -%}
    {#- counts first, then the example of the top reason only: the raw text of every kept
        line need not be read -#}
    {%- set rows = run_query('select quarantine_reason, count(*) as line_count from ' ~ this
        ~ ' group by quarantine_reason order by line_count desc, quarantine_reason').rows -%}
    {%- set totals = {'lines': 0, 'kept': 0} -%}
    {%- set top = [] -%}
    {%- for row in rows -%}
        {%- do totals.update({'lines': totals.lines + row[1]}) -%}
        {%- if row[0] is none -%}
            {%- do totals.update({'kept': row[1]}) -%}
        {%- elif not top -%}
            {%- do top.extend(row) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not top -%}{{ return('') }}{%- endif -%}
    {%- do top.append(run_query('select min(raw_row) from ' ~ this ~ " where quarantine_reason = '"
        ~ top[0] ~ "'").rows[0][0]) -%}
    {%- set quarantined = totals.lines - totals.kept -%}
    {%- set share = quarantined / totals.lines -%}
    {%- set example = (top[2] or '') | string -%}
    {%- set text = "The " ~ entity ~ " input: " ~ quarantined ~ " of " ~ totals.lines ~ " lines ("
        ~ '%.1f' | format(100 * share) ~ " %) are quarantined, most as " ~ top[0] ~ " ("
        ~ top[1] ~ " lines), e.g. " ~ (example[:300] ~ ('…' if example | length > 300 else ''))
        ~ " (quarantined_rows lists them all)." -%}
    {%- if totals.kept == 0 or share > limit -%}
        {{ exceptions.raise_compiler_error(text ~ " " ~ quarantine_reason_hint(entity, top[0])
            ~ ". The build stops: "
            ~ ("no line is kept" if totals.kept == 0 else "more than max_quarantined_share ("
               ~ limit ~ ") of the lines are quarantined") ~ " (docs/inputs.md).") }}
    {%- endif -%}
    {%- do log("Warning: " ~ text, info=true) -%}
    {{ return('') }}
{%- endmacro %}
