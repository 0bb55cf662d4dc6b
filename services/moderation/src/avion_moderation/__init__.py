"""The moderation service: reports and moderation actions."""
