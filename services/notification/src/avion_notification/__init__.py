"""The notification service: notifications and delivery preferences."""
