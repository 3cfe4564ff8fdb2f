"""Business calendars: opening hours, closed days, and business-time arithmetic over HTTP."""
