{{ config(materialized='table', post_hook=drop_raw_file_temp_tables('customers')) }}
-- depends_on: {{ ref('raw_customers') }}
-- depends_on: {{ ref('raw_file_invoices') }}
-- The customers input as staging reads it, whatever the vars: every data line of the file named by
-- the var customers_path as text (a line the CSV reader rejects is kept with the reason, macro
-- raw_file_lines), a table or view (var customers_relation), the master derived from the invoice
-- lines when there is none (macro derived_master), or the bundled sample's seed. Always the same
-- lineage (seed -> raw_file_customers -> staging). A table, not a view: the reader's rejects exist
-- only on the connection that read the file.
{{ raw_file_model('customers') }}
