from flask import Blueprint

bp = Blueprint("labels", __name__)
