"""Run history and alerts: the latest build in pipeline_runs judged against the alert vars
(docs/monitoring.md). `ipre check` and the report share `verdict.judge`."""
