"""The baseline for bench/files.py: gunicorn serving one static file with Flask's
``send_file`` (gunicorn hands a real file to sendfile()), as a download of the same size
from the wiki is compared with it.

BENCH_STATIC_FILE=/path/to/file gunicorn -w 2 --threads 1 --chdir bench static_file:app
"""

import os

from flask import Flask, send_file

app = Flask(__name__)


@app.route("/")
@app.route("/static-file")
def static_file():
    return send_file(os.environ["BENCH_STATIC_FILE"], conditional=True)
