from flask import Blueprint

bp = Blueprint("shell", __name__)
