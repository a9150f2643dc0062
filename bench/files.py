"""Files and pictures under gunicorn: uploads, downloads against a static file, and a page
showing 20 pictures against the same page without them.

    python bench/files.py                        # 2,000 pages, files in the database, then in a folder
    python bench/files.py --stores database --uploads 40 --download-mb 100

For each store (``database``: ``file_blobs.data``, the default; ``folder``:
``WIKI_FILES_PATH``) it copies the SQLite database seeded by ``bench/seed.py`` (made in
``--workdir`` on first use, shared with ``bench/views.py``), builds the search index, and
starts ``gunicorn -w 2 --threads 1`` for the wiki and, beside it with the same settings, for
``bench/static_file.py`` (Flask's ``send_file`` of one file: gunicorn hands it to sendfile()).
Then, logged in as ``editor`` like a browser:

1. **Upload**: ``--uploads`` PNG pictures of about 5 MB (noise, so they do not compress;
   each one different, made before the clock starts) are posted one at a time to different
   pages as the editor's uploader posts them (multipart, ``Accept: application/json``,
   ``X-CSRFToken``); the time is from the first byte sent to the JSON reply saying the file
   is saved (every reply must be 200 and name the file).
2. **Download**: a ``--download-mb`` MB file is uploaded, then downloaded ``--downloads``
   times from the wiki and as many times from the static server, in turn, each on a new
   connection and read to the end in 1 MiB reads; every download must bring every byte.
   The ratio compares the median times.
3. **A page with 20 pictures**: a seeded page is viewed ``--views`` times (the page view of
   today), then 20 photos (JPEG, 2,400 x 1,600) are uploaded to it in one request and its
   text shows them all (``![...](attachment:...)``). The 20 thumbnails are fetched once
   (cold: they are made then) and once more (warm), and the page is viewed ``--views`` times
   again. The page's HTML is what is compared; the browser's thumbnail requests are the
   warm figure.

Nothing here is a test: CI never runs it. Any reply that breaks the rules above makes the run
fail (exit status 1) after the figures are printed.
"""

from __future__ import annotations

import argparse
import html
import http.client
import io
import json
import random
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(ROOT))

from views import (
    _BASE,
    _CSRF,
    HOST,
    USER_AGENT,
    Browser,
    Gunicorn,
    build_search_index,
    copy_sqlite,
    login,
    page_slugs,
    percentile,
    seeded_sqlite,
    settle_cpu,
)

MB = 1024 * 1024
PICTURES_ON_PAGE = 20


@dataclass
class Figures:
    store: str
    uploads: list[float] = field(default_factory=list)
    upload_mb: float = 0.0
    wiki_downloads: list[float] = field(default_factory=list)
    static_downloads: list[float] = field(default_factory=list)
    download_bytes: int = 0
    views_before: list[float] = field(default_factory=list)
    views_after: list[float] = field(default_factory=list)
    thumbnails_cold: float = 0.0
    thumbnails_warm: float = 0.0
    failures: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------- content


def noisy_png(rng: random.Random, target_bytes: int) -> bytes:
    """A PNG of about ``target_bytes``: random pixels, which PNG cannot compress."""
    from PIL import Image

    side = int((target_bytes / 3) ** 0.5)
    picture = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    out = io.BytesIO()
    picture.save(out, "PNG", compress_level=1)
    return out.getvalue()


def photo_jpeg(rng: random.Random, width: int = 2400, height: int = 1600) -> bytes:
    """A camera-sized JPEG: a colour gradient with noise, a few hundred KB."""
    from PIL import Image, ImageFilter

    small = Image.frombytes(
        "RGB", (width // 8, height // 8), rng.randbytes(width * height * 3 // 64)
    )
    picture = small.filter(ImageFilter.GaussianBlur(2)).resize((width, height))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=88)
    return out.getvalue()


def multipart(fields: dict[str, str], files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body as browsers send it, and its Content-Type."""
    boundary = f"----bench{uuid.uuid4().hex}"
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for filename, data in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# ---------------------------------------------------------------------- HTTP


def upload(
    browser: Browser, slug: str, token: str, files: list[tuple[str, bytes]]
) -> tuple[int, float, dict]:
    """POST ``files`` to the page as the editor's uploader does: (status, seconds, JSON)."""
    body, content_type = multipart({"csrf_token": token, "comment": ""}, files)
    headers = {
        "User-Agent": USER_AGENT,
        "Host": f"{HOST}:{browser.port}",
        "Cookie": browser.cookie_header(),
        "Content-Type": content_type,
        "Accept": "application/json",
        "X-CSRFToken": token,
    }
    connection = http.client.HTTPConnection(HOST, browser.port, timeout=120)
    try:
        started = time.perf_counter()
        connection.request("POST", f"/wiki/{slug}/files", body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        seconds = time.perf_counter() - started
    finally:
        connection.close()
    try:
        answer = json.loads(raw)
    except ValueError:
        answer = {"error": raw[:500].decode("utf-8", "replace")}
    return response.status, seconds, answer


def download(port: int, path: str, cookie: str = "") -> tuple[int, int, float]:
    """GET ``path`` on a new connection, reading the body to its end in 1 MiB reads:
    (status, bytes received, seconds)."""
    headers = {"User-Agent": USER_AGENT, "Host": f"{HOST}:{port}"}
    if cookie:
        headers["Cookie"] = cookie
    connection = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        received = 0
        while piece := response.read(MB):
            received += len(piece)
        return response.status, received, time.perf_counter() - started
    finally:
        connection.close()


def files_token(browser: Browser, slug: str) -> str:
    """The CSRF token of the page's Files tab, as the uploader reads it."""
    reply = browser.get(f"/wiki/{slug}/files")
    match = _CSRF.search(reply.body)
    if reply.status != 200 or not match:
        raise RuntimeError(f"GET /wiki/{slug}/files gave {reply.status} without a form token")
    return html.unescape(match.group(1))


def append_to_page(browser: Browser, slug: str, addition: str) -> None:
    """Save the page with ``addition`` after its text, through the edit form."""
    form = browser.get(f"/wiki/{slug}/edit")
    base, csrf = _BASE.search(form.body), _CSRF.search(form.body)
    if form.status != 200 or not (base and csrf):
        raise RuntimeError(f"GET /wiki/{slug}/edit gave {form.status} without a full form")
    raw = browser.get(f"/wiki/{slug}/rev/{base.group(1)}/raw")
    reply = browser.post(
        f"/wiki/{slug}/edit",
        {
            "csrf_token": html.unescape(csrf.group(1)),
            "base": base.group(1),
            "body": raw.body.rstrip("\n") + "\n\n" + addition,
            "summary": "Photos of the loading dock",
            "action": "save",
        },
    )
    if reply.status != 302:
        raise RuntimeError(f"Saving {slug} gave {reply.status}, not 302")


def timed_views(browser: Browser, path: str, count: int, figures: Figures) -> list[float]:
    for _ in range(3):
        browser.get(path)
    seconds = []
    for _ in range(count):
        reply = browser.get(path)
        if reply.status != 200:
            figures.failures.append(f"GET {path} gave {reply.status}")
        seconds.append(reply.seconds)
    return seconds


# ---------------------------------------------------------------------- one store


def run_store(store: str, seeded: Path, args, work: Path) -> Figures:
    from seed import PASSWORD

    figures = Figures(store)
    folder = work / store
    folder.mkdir()
    database = folder / "wiki.db"
    copy_sqlite(seeded, database)
    database_url = f"sqlite:///{database}"
    slugs, _revisions = page_slugs(database_url)
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(32),
        "WIKI_INSTANCE_PATH": str(folder / "instance"),
        "WIKI_SEARCH_INDEX_PATH": str(folder / "instance" / "search"),
        "WIKI_MAX_FILE_MB": str(max(args.download_mb + 1, 50)),
        "WIKI_MAX_UPLOAD_MB": str(max(args.download_mb + 1, 200)),
    }
    if store == "folder":
        env["WIKI_FILES_PATH"] = str(folder / "files")
    big = work / "big.bin"
    print(f"\n=== files kept in the {store}: {len(slugs):,} pages")
    print("Building the search index (wiki reindex)...", flush=True)
    build_search_index(env, len(slugs))
    server = Gunicorn("wsgi:app", ROOT, env, folder / "wiki.log", args.workers)
    static = Gunicorn(
        "static_file:app",
        HERE,
        {"BENCH_STATIC_FILE": str(big)},
        folder / "static.log",
        args.workers,
    )
    try:
        server.wait_ready("/-/login")
        static.wait_ready("/")
        browser = login(server.port, "editor", PASSWORD)
        rng = random.Random(args.seed)

        # 1. Uploads of 5 MB pictures, each to another page.
        pictures = [noisy_png(rng, 5 * MB) for _ in range(args.uploads + 3)]
        figures.upload_mb = statistics.mean(len(p) for p in pictures) / MB
        for index, picture in enumerate(pictures):
            slug = slugs[(index * 97) % len(slugs)]
            token = files_token(browser, slug)
            status, seconds, answer = upload(
                browser, slug, token, [(f"photo-{index}.png", picture)]
            )
            if status != 200 or not answer.get("files"):
                figures.failures.append(f"upload to {slug} gave {status}: {answer}")
            elif index >= 3:  # the first ones warm both workers up
                figures.uploads.append(seconds)
        settle_cpu(server)

        # 2. Downloads of one large file, from the wiki and from the static server.
        slug = slugs[len(slugs) // 2]
        content = big.read_bytes()
        status, _seconds, answer = upload(
            browser, slug, files_token(browser, slug), [("big.bin", content)]
        )
        if status != 200 or not answer.get("files"):
            figures.failures.append(f"uploading {len(content) // MB} MB gave {status}: {answer}")
        path = answer["files"][0]["url"] if answer.get("files") else "/"
        figures.download_bytes = len(content)
        settle_cpu(server)
        cookie = browser.cookie_header()
        for round_ in range(args.downloads + 1):
            for where, port, target, into in (
                ("wiki", server.port, path, figures.wiki_downloads),
                ("static", static.port, "/static-file", figures.static_downloads),
            ):
                status, received, seconds = download(
                    port, target, cookie if where == "wiki" else ""
                )
                if status != 200 or received != len(content):
                    figures.failures.append(
                        f"{where} download gave {status} with {received:,} of {len(content):,} bytes"
                    )
                elif round_:  # the first round warms up
                    into.append(seconds)

        # 3. A page before and after it shows 20 pictures.
        slug = slugs[len(slugs) // 3]
        page_path = f"/wiki/{slug}"
        figures.views_before = timed_views(browser, page_path, args.views, figures)
        photos = [(f"dock-{n:02}.jpg", photo_jpeg(rng)) for n in range(PICTURES_ON_PAGE)]
        status, _seconds, answer = upload(browser, slug, files_token(browser, slug), photos)
        if status != 200 or len(answer.get("files", [])) != PICTURES_ON_PAGE:
            figures.failures.append(f"uploading {PICTURES_ON_PAGE} photos gave {status}: {answer}")
        append_to_page(
            browser,
            slug,
            "\n\n".join(f"![{name}](attachment:{quote(name)})" for name, _data in photos) + "\n",
        )
        first = browser.get(page_path)
        thumbs = re.findall(r'src="(/-/pages/\d+/thumbs/[^"]+)"', first.body)
        if len(thumbs) != PICTURES_ON_PAGE:
            figures.failures.append(
                f"the page shows {len(thumbs)} thumbnails, not {PICTURES_ON_PAGE}"
            )
        for attempt in ("cold", "warm"):
            started = time.perf_counter()
            for thumb in thumbs:
                reply = browser.get(html.unescape(thumb))
                if reply.status != 200:
                    figures.failures.append(f"GET {thumb} gave {reply.status}")
            elapsed = time.perf_counter() - started
            if attempt == "cold":
                figures.thumbnails_cold = elapsed
            else:
                figures.thumbnails_warm = elapsed
        settle_cpu(server)
        figures.views_after = timed_views(browser, page_path, args.views, figures)
        for log in (server, static):
            for trace in log.tracebacks():
                figures.failures.append(f"traceback in {log.log_path.name}:\n{trace}")
    finally:
        server.stop()
        static.stop()
    return figures


# ---------------------------------------------------------------------- report


def report(all_figures: list[Figures]) -> str:
    lines = [
        "| store | 5 MB upload p50 / p95 (ms) | download MB/s wiki / static | time ratio | "
        "page view p50 / p95 without pictures (ms) | with 20 (ms) | 20 thumbnails cold / warm (ms) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for f in all_figures:
        wiki = statistics.median(f.wiki_downloads) if f.wiki_downloads else float("nan")
        static = statistics.median(f.static_downloads) if f.static_downloads else float("nan")
        megabytes = f.download_bytes / MB
        lines.append(
            f"| {f.store} "
            f"| {percentile(f.uploads, 50) * 1000:.0f} / {percentile(f.uploads, 95) * 1000:.0f} "
            f"| {megabytes / wiki:,.0f} / {megabytes / static:,.0f} "
            f"| {wiki / static:.2f}x "
            f"| {percentile(f.views_before, 50) * 1000:.1f} / {percentile(f.views_before, 95) * 1000:.1f} "
            f"| {percentile(f.views_after, 50) * 1000:.1f} / {percentile(f.views_after, 95) * 1000:.1f} "
            f"| {f.thumbnails_cold * 1000:.0f} / {f.thumbnails_warm * 1000:.0f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--stores", default="database,folder", help="database, folder or both")
    parser.add_argument("--uploads", type=int, default=20, help="timed 5 MB uploads per store")
    parser.add_argument("--download-mb", type=int, default=50)
    parser.add_argument("--downloads", type=int, default=8, help="timed downloads per server")
    parser.add_argument("--views", type=int, default=200, help="timed views of the page, each way")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--workdir", type=Path, default=HERE / "out")
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    if not set(stores) <= {"database", "folder"}:
        parser.error("--stores takes database and/or folder")
    args.workdir.mkdir(parents=True, exist_ok=True)
    seeded = seeded_sqlite(args.workdir, args.pages, 1000, args.reseed)
    work = Path(tempfile.mkdtemp(prefix="bench-files-"))
    try:
        (work / "big.bin").write_bytes(random.Random(args.seed).randbytes(args.download_mb * MB))
        results = [run_store(store, seeded, args, work) for store in stores]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print()
    print(
        f"{args.pages:,} pages, SQLite, gunicorn -w {args.workers} --threads 1; "
        f"uploads of {results[0].upload_mb:.1f} MB PNGs (n={args.uploads}), "
        f"{args.download_mb} MB downloads (n={args.downloads}, medians), "
        f"page views n={args.views}"
    )
    print(report(results))
    failures = [line for f in results for line in f.failures]
    for line in failures:
        print(f"FAILED: {line}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
