"""The SMTP test send: settings from the user's environment (settings) and the exchange (smtp)."""
