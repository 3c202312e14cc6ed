"""Reading the app's settings from inside services (the values of SPEC section 5)."""

from flask import current_app


def setting(name: str):
    return current_app.config[name]
