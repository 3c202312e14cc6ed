"""Pages of the command and dispatch platform (SPEC 6): the residents' report and follow
pages, the grid worker's worklist, the dispatcher's queue, the event page, the admin
pages of the catalogue and a member's volunteer tasks."""

from flask import Blueprint

bp = Blueprint("dispatch", __name__, template_folder="templates")

from . import event, public, work  # noqa: E402, F401
