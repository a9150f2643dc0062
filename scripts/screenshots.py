"""Screenshots of the main screens, in the light and the dark theme.

Seeds a throwaway wiki (temporary folder, SQLite) with a few realistic pages, serves it on
a loopback port and photographs it with Debian's Chromium through Playwright.

    ./scripts/screenshots [folder]      (default: docs/screenshots)
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

from werkzeug.serving import make_server

from wiki import create_app
from wiki.access import accounts
from wiki.content.pages import Limits, create_page, edit_page
from wiki.db import get_database
from wiki.models import Role
from wiki.ops.migrate import upgrade
from wiki.search.runtime import get_search

PASSWORD = "screenshots only, thrown away"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

HOME = """Welcome to the company's memory. Write down what you learned, so the next person
does not have to learn it again.

## Start here

- [[Office move 2019: lessons learned]]
- [[Rotating the VPN certificate]]
- [[Expense reports]]
- [[Onboarding checklist]] (not written yet: be the first!)

## How to write a good page

1. Say what happened and **why** it mattered.
2. Link related pages with `[[double brackets]]`.
3. Add tags so colleagues find it later.
"""

OFFICE_MOVE = """We moved 140 people and the server room in one weekend. Most of it went well;
three things did not.

## What went well

- Labelling every desk *and* every box with the same seat number.
- A printed floor plan at each entrance.

## What went wrong

### The server racks

We forgot to label the **server racks** before unplugging them. Re-cabling took 9 hours
instead of 2.

### Parking

| Day | Spaces booked | Spaces available |
| --- | ---: | ---: |
| Friday | 35 | 20 |
| Saturday | 12 | 20 |

## Next time

> Photograph the back of every rack before anyone touches a cable.

See also [[Rotating the VPN certificate]], which expired the same week.
"""

VPN = """The VPN certificate expires every 12 months. The last renewal took a day because
nobody remembered the steps.

## Steps

1. Generate the request on the gateway:

   ```sh
   openssl req -new -key vpn.key -out vpn.csr -subj "/CN=vpn.example.internal"
   ```

2. Send `vpn.csr` to the certificate desk and wait for the signed file.
3. Install it and restart the service:

   ```python
   from pathlib import Path
   Path("/etc/vpn/vpn.crt").write_bytes(signed)
   ```

- [x] Put a reminder in the team calendar, 30 days ahead
- [ ] Automate the renewal
"""


def seed(app) -> None:
    limits = Limits()
    with get_database(app).session() as session:
        ada = accounts.create_user(session, "ada", PASSWORD, Role.ADMIN)
        grace = accounts.create_user(session, "grace", PASSWORD, Role.EDITOR)
        accounts.create_user(session, "linus", PASSWORD, Role.READER)
        session.flush()
        create_page(session, ada, "Home", HOME, "welcome page", limits)
        move = create_page(
            session,
            grace,
            "Office move 2019: lessons learned",
            OFFICE_MOVE.replace("9 hours", "a day"),
            "first notes",
            limits,
            tags="facilities, lessons learned",
        ).page
        session.flush()
        edit_page(session, ada, move, 1, OFFICE_MOVE, "exact figures from the ticket", limits)
        vpn = create_page(
            session,
            grace,
            "Rotating the VPN certificate",
            VPN.split("## Steps")[0],
            "started",
            limits,
            tags="how-to, network",
        ).page
        session.flush()
        edit_page(session, grace, vpn, 1, VPN, "the steps", limits)
        create_page(
            session,
            ada,
            "Expense reports",
            "Submit them **before the 5th** of the month.\n",
            "",
            limits,
            tags="finance",
        )
        session.commit()
    with app.app_context():
        get_search().indexer.run_once()


def log_in(page, username: str) -> None:
    page.goto("/-/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def shoot(base_url: str, folder: Path, chromium: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    taken: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        for theme in ("light", "dark"):

            def new_context(theme=theme, **options):
                context = browser.new_context(base_url=base_url, color_scheme=theme, **options)
                context.set_default_timeout(10_000)
                return context

            def snap(page, name: str, full_page: bool = False, theme: str = theme) -> None:
                path = folder / f"{name}-{theme}.png"
                page.screenshot(path=str(path), full_page=full_page)
                taken.append(path)

            context = new_context(viewport={"width": 1280, "height": 860})
            page = context.new_page()
            page.goto("/-/login")
            snap(page, "login")
            log_in(page, "ada")
            page.goto("/wiki/office-move-2019-lessons-learned")
            snap(page, "page")
            page.goto("/wiki/office-move-2019-lessons-learned/edit")
            page.locator("#editor-preview .markdown-body p").first.wait_for()
            snap(page, "editor")
            page.goto("/wiki/office-move-2019-lessons-learned/history")
            snap(page, "history")
            page.goto("/wiki/office-move-2019-lessons-learned/diff/1/2")
            snap(page, "diff")
            page.goto("/wiki/office-move-2019-lessons-learned/diff/1/2?view=side")
            snap(page, "diff-side-by-side")
            page.goto("/wiki/rotating-the-vpn-certificate/blame")
            snap(page, "blame")
            page.goto("/-/search?q=server+racks")
            snap(page, "search")
            page.goto("/wiki/home")
            page.locator("#site-search-q").press_sequentially("re", delay=30)
            page.locator("#site-search-titles [role=option]").first.wait_for()
            page.locator("#site-search-q").press("ArrowDown")
            snap(page, "autocomplete")
            page.goto("/-/pages")
            snap(page, "all-pages")

            # An edit conflict: grace saves while ada is editing the same lines.
            page.goto("/wiki/expense-reports/edit")
            other = new_context(viewport={"width": 1280, "height": 860})
            grace = other.new_page()
            log_in(grace, "grace")
            grace.goto("/wiki/expense-reports/edit")
            deadline = {"light": "3rd", "dark": "1st"}[theme]  # a change in each pass
            grace.get_by_label("Text (Markdown)").fill(
                f"Submit them **before the {deadline}** of the month.\n"
            )
            grace.get_by_role("button", name="Save").click()
            grace.wait_for_url("**/wiki/expense-reports")
            other.close()
            page.get_by_label("Text (Markdown)").fill(
                "Submit them **before the 10th** of the month.\n"
            )
            page.get_by_role("button", name="Save").click()
            page.locator("#conflict-preview .conflict-block").wait_for()
            snap(page, "conflict")
            context.close()

            phone = new_context(
                viewport={"width": 390, "height": 844},
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
            )
            page = phone.new_page()
            log_in(page, "ada")
            page.goto("/wiki/rotating-the-vpn-certificate")
            snap(page, "phone-page")
            phone.close()
        browser.close()
    return taken


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default="docs/screenshots")
    parser.add_argument(
        "--chromium",
        default=os.environ.get("WIKI_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium",
    )
    args = parser.parse_args(argv)
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wiki-screenshots-") as scratch:
        database_url = f"sqlite:///{scratch}/wiki.db"
        from sqlalchemy import create_engine

        engine = create_engine(database_url)
        upgrade(engine)
        engine.dispose()
        app = create_app(
            {
                "DATABASE_URL": database_url,
                "INSTANCE_PATH": f"{scratch}/instance",
                "SEARCH_BACKGROUND": False,
            }
        )
        seed(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            taken = shoot(f"http://127.0.0.1:{server.server_port}", folder, args.chromium)
        finally:
            server.shutdown()
            get_database(app).dispose()
    for path in taken:
        print(path)
    print(f"{len(taken)} screenshots in {folder}/", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
