"""Benchmarks run by `kept bench`."""
