"""Benchmarks (pytest-benchmark), a package: the peer bindings import as benchmarks.peers.*."""
