"""Pipeline vars: their domains (domains.py), input file checks (files.py), the preflight
check run before every build (check.py, `ipre check-vars`) and generated docs (generate.py)."""
