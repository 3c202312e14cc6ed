"""Notifications: an in-app inbox for every member, and an outbox delivered by the scheduler
through pluggable channels (e-mail over SMTP; an SMS gateway that only logs by default)."""
