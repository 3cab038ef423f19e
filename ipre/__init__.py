"""IPRE: shared Python code for the dbt models, scripts and tests."""

__version__ = "0.1.0"
