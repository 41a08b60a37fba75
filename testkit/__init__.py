"""Test kit shared by tests/ and benchmarks/: builders of synthetic bundles, reports and environments.

`testkit.factory` makes a valid bundle for any task, to be mutated per test or fed to a benchmark
at scale. These are fakes; the real H100 bundle is tests/fixtures/h100_bundle.zip.
"""
