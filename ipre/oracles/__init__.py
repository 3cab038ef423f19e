"""Independent re-computations of warehouse tables, for tests and benchmarks."""
