"""Bulk import of promises and their events from CSV and JSON Lines files (`kept import`)."""
