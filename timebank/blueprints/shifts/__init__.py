from flask import Blueprint

bp = Blueprint("shifts", __name__, template_folder="templates")

from . import manage, series, views  # noqa: E402, F401
