"""IPRE inference server: the SageMaker bring-your-own-container contract over IPRE output.

Modules, in data-flow order: ``config`` (environment) -> ``loader`` (Parquet from disk or S3) ->
``index`` (pre-serialised JSON per customer) -> ``parsing`` (request body -> customer ids) ->
``model`` (what a worker serves, reloads) -> ``app`` (WSGI: /ping, /info, /invocations)
-> ``gunicorn_app`` (the production HTTP server) -> ``main`` (lifecycle).
"""

__all__ = ["app", "config", "gunicorn_app", "index", "loader", "model", "parsing"]
