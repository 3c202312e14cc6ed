from flask import Blueprint

bp = Blueprint("party", __name__, template_folder="templates")

from . import admin, branches, coverage, org_sheets, report, secretary, views  # noqa: E402, F401
