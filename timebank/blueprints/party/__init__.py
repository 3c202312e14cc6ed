from flask import Blueprint

bp = Blueprint("party", __name__, template_folder="templates")

from . import admin, branches, report, secretary, views  # noqa: E402, F401
