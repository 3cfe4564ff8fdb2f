"""The operator dashboard: server-rendered pages under /dashboard, read through the services."""
