"""The customer view: what a support agent sees before talking to a customer."""
