"""`ipre inspect`: read a user's own exports with DuckDB and propose the vars that build them.

spec.py (the spec's columns and common ERP names), sniff.py (bytes: compression, encoding,
line ends, delimiter, header), reader.py (the lines into DuckDB, reader rejects kept),
dates.py (the date format), numbers.py (the decimal separator), quarantine.py (what each
quarantine reason would take), inspection.py (one input: all of the above, the vars it
needs), render.py (the printout), cli.py (arguments, --write, exit code).
"""
