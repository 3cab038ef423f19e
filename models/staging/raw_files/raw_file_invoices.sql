{{ config(materialized='table', post_hook=drop_raw_file_temp_tables('invoices')) }}
-- depends_on: {{ ref('raw_invoices') }}
-- The invoices input as staging reads it, whatever the vars: every data line of the file named by
-- the var invoices_path as text (a line the CSV reader rejects is kept with the reason, macro
-- raw_file_lines), or the bundled sample's seed when no file is named. Always the same
-- lineage (seed -> raw_file_invoices -> staging). A table, not a view: the reader's rejects exist
-- only on the connection that read the file.
{{ raw_file_model('invoices') }}
