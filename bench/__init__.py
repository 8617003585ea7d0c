"""kaoping's benchmark (`python -m bench`; docs/benchmarks.md). Not a test suite:
it measures and reports, and checks targets only in a full run."""
