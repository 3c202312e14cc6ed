from flask import Blueprint

bp = Blueprint("mobilisation", __name__, template_folder="templates")

from . import answer, views  # noqa: E402, F401
