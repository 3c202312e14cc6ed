from flask import Blueprint

bp = Blueprint("ledger", __name__, template_folder="templates")

from . import manage, views  # noqa: E402, F401
