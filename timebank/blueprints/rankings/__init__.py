from flask import Blueprint

bp = Blueprint("rankings", __name__, template_folder="templates")

from . import dashboard, views  # noqa: E402, F401
