"""Offline evaluation on a temporal holdout (docs/evaluation.md).

The pipeline is rebuilt as of a cutoff date T (dbt var ``as_of_date``); each customer's top-5
recommendations are compared with the products the customer bought for the first time in
(T, T + horizon]. The engine, two ablations (no feedback calibration, no association rules)
and four baselines (global popularity, segment popularity, SAR-style item-to-item, EASE) share
the split, the candidate rules and the metric code. Several cutoffs make a rolling backtest;
the engine is compared with the best baseline by a paired bootstrap; eval_metrics keeps the
history of runs.

Modules: ``split`` (cutoff and horizon), ``targets`` (history and first-time purchases),
``metrics`` (hit rate, precision, recall, NDCG, MAP at k), ``baselines``, ``ease`` (EASE and
its λ selection), ``bootstrap`` (paired intervals), ``warehouse`` (dbt runs and DuckDB
reads/writes), ``runner`` (the whole evaluation), ``cli`` (``ipre evaluate``).
"""
