"""contract-milestones runtime: register (DuckDB), quality gate, fan-out, sources and the review app.

Imported by the DAGs (Airflow puts plugins/ on sys.path) and installed for the CLI and tests. Modules that
need Airflow import it inside functions, so the register and fan-out logic stay testable without it.
"""
