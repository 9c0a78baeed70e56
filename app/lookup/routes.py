from flask import Blueprint

bp = Blueprint("lookup", __name__)
