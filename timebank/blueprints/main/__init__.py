from flask import Blueprint

bp = Blueprint("main", __name__, template_folder="templates")

from . import nav, views  # noqa: E402, F401
