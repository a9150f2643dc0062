"""The baseline for bench/views.py: Flask's hello world, served by the same gunicorn command.

gunicorn -w 2 --threads 1 -b 127.0.0.1:8000 --chdir bench hello:app
"""

from flask import Flask

app = Flask(__name__)


@app.route("/")
@app.route("/wiki/<slug>")
def hello(slug: str = ""):
    return "Hello, World!"
