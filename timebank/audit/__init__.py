"""The audit log of privileged actions."""
