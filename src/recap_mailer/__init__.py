"""recap-mailer: one event-day recap source in, a newsletter and its social posts out."""

__version__ = "0.1.0"
