"""City-scale data generator and benchmark scripts (see docs/performance.md)."""
