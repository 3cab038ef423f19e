"""Offline evaluation on a temporal holdout (docs/evaluation.md).

The pipeline is rebuilt as of a cutoff date T (dbt var ``as_of_date``); each customer's top-5
recommendations are compared with the products the customer bought for the first time in
(T, T + horizon]. The engine, two ablations (no feedback calibration, no association rules)
and three baselines (global popularity, segment popularity, SAR-style item-to-item) share the
split, the candidate rules and the metric code.

Modules: ``split`` (cutoff and horizon), ``targets`` (history and first-time purchases),
``metrics`` (hit rate, precision, recall, NDCG, MAP at k), ``baselines``, ``warehouse`` (dbt
runs and DuckDB reads/writes), ``runner`` (the whole evaluation), ``cli`` (``ipre evaluate``).
"""
