"""Objectives: keep-rate targets with error budgets, burn rates and alerts."""
