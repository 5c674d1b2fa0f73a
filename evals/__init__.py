"""Evaluation harness: datasets, metrics and benchmarks for the assistant."""
