"""IPRE inference server: the SageMaker bring-your-own-container contract over IPRE output.

Modules, in data-flow order: ``config`` (environment) -> ``loader`` (Parquet from disk or S3) ->
``index`` (pre-serialised JSON per customer) -> ``parsing`` (request body -> customer ids) ->
``server`` (HTTP, /ping and /invocations, lifecycle).
"""

__all__ = ["config", "index", "loader", "parsing", "server"]
