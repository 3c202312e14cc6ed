from flask import Blueprint

bp = Blueprint("members", __name__, template_folder="templates")

from . import gate, views  # noqa: E402, F401
