"""What a customer sees: public status, status tokens, the widget and its example page."""
