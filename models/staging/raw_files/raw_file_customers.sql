{{ config(materialized='table', enabled=raw_file_configured('customers'),
          post_hook=drop_raw_file_temp_tables('customers')) }}
-- Every data line of the file named by the var customers_path, as text; a line the CSV reader
-- rejects is kept with the reason (macro raw_file_lines). A table, not a view: the
-- reader's rejects exist only on the connection that read the file.
{{ raw_file_lines('customers') }}
