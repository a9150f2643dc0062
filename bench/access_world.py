"""Turn a seeded wiki into an organisation: people, groups, private spaces with grants, page
trees and restricted subtrees, for the access benchmarks.

    python bench/access_world.py --database-url sqlite:///bench/out/copy.db
    python bench/access_world.py --database-url sqlite:///copy.db --big-space 10000

The database must have been seeded by ``bench/seed.py`` (any number of pages, all in the
default space) and not be an organisation yet; it is changed in place (work on a copy). It
is brought to the newest schema first. What it makes, deterministically for ``--seed``:

* **people**: ``--users`` accounts ``user0001``... (password of ``seed.py``), about 85 %
  editors and 15 % readers, through ``wiki.access.accounts.create_user``;
* **groups**: ``--groups`` groups (department x kind: "Finance leads", key
  ``finance-leads``) through ``wiki.access.groups.create_group``; each account joins 5-20
  of them, popular groups more often (an "all staff"-like group has over a thousand
  members, the smallest a few dozen), through ``change_members`` (500 names at most per
  call). The bench users ``reader`` and ``editor`` join exactly 20 groups each, 8 of them
  shared;
* **spaces**: ``--spaces`` spaces through ``wiki.content.spaces.create_space``: 4 open to
  every signed-in account, the others private, each with 1-6 group grants through
  ``wiki.access.grants.set_grant`` (the first at admin, the others read or edit), and a
  few with one person as admin. About 60 % of the private spaces grant something to one of
  the reader's groups (the others to none of them), about half grant edit to one of the
  editor's groups;
* **pages moved into the spaces**: every page but "Office move lessons learned" (which
  stays in the default space, for ``views.py``'s history measures), in sizes that fall
  off from the first space to the last (about 20:1). The pages are made to be what
  ``create_page`` with ``space=`` makes, not what a move makes: ``space_id`` and the slug
  the page would have had if it had been created in that space
  (``wiki.content.spaces.page_slug``: ``key:slug``; the model's validator sets the sort
  key) are written through the ORM, and each current revision is rendered again as a page
  of its space (``wiki.content.reading.fresh_rendering``), as a save there would have
  stored it. ``wiki.content.tree.move_page`` would add a move revision and an old address
  to every page and preview each move for every account (about 20,000 moves at the
  largest size), which pages written in a space do not have. The titles are unchanged
  and were unique (and not look-alike) across the default space, so they are within
  each space too. Each space's move is recorded as one ``page.move`` audit event (an
  access change, so kept page views are refused). A page's ``[[Title]]`` links now
  resolve in its own space: those to pages that went to other spaces are missing links,
  as they would be for the same text written there;
* **trees**: in each space about 20 % of the pages are at the top and the others under a
  random earlier page, at most 4 deep, set through the ORM (``parent_id``) with the space
  (a move under a parent would add a revision each, as above), then ``refresh_scopes``
  over the top pages;
* **restrictions**: ``--restricted`` (default 2 %) of the moved pages, most of them pages
  with children (so subtrees), 70 % read and 30 % edit, each naming 1-2 of its space's
  granted groups, sometimes another group or 1-2 people, through
  ``wiki.access.restrictions.set_restriction`` (which previews the change for everyone,
  applies it and refreshes the subtree's scopes), some nested.

``--big-space N`` makes the first space hold N pages (all of them when the database has no
more), in one tree under a single top page, for the access preview of a space of that
size; that space has 6 group grants, and the other pages are spread over the other spaces
as usual.

Passwords: every account gets the same valid scrypt hash of the seed's password, computed
once (``create_user`` hashes each password with scrypt, ~0.3 s; 2,000 of them would take
about ten minutes and measure nothing here). Logging in works as usual.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

from corpus import OFFICE_MOVE_TITLE
from seed import PASSWORD
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from wiki.access import accounts, audit, grants, groups, restrictions
from wiki.access.permissions import page_actions, reach_of
from wiki.content import spaces
from wiki.content.reading import fresh_rendering
from wiki.content.render import RENDERER_VERSION
from wiki.db import make_database
from wiki.models import (
    DEFAULT_SPACE_ID,
    Page,
    PageAlias,
    RenderedRevision,
    Role,
    Space,
    User,
)
from wiki.ops.migrate import upgrade
from wiki.slugs import slugify

WORLD_VERSION = 2  # bump when the world changes: kept worlds are then made again
MEMBERS_PER_CALL = 500  # what change_members accepts at once
GROUPS_OF_BENCH_USERS = 20
SHARED_GROUPS = 8  # of the reader's 20 groups, the editor has these too
OPEN_SPACES = 4
MAX_DEPTH = 4
TOP_SHARE = 0.2
READER_SPACE_SHARE = 0.6
EDITOR_SPACE_SHARE = 0.5
USER_ADMIN_SPACES = 10

DEPARTMENTS = [
    ("finance", "Finance"),
    ("hr", "People"),
    ("legal", "Legal"),
    ("sales", "Sales"),
    ("marketing", "Marketing"),
    ("support", "Support"),
    ("platform", "Platform"),
    ("data", "Data"),
    ("security", "Security"),
    ("it", "IT"),
    ("facilities", "Facilities"),
    ("procurement", "Procurement"),
    ("design", "Design"),
    ("mobile", "Mobile"),
    ("web", "Web"),
    ("qa", "Quality"),
    ("research", "Research"),
    ("ops", "Operations"),
    ("partners", "Partnerships"),
    ("comms", "Communications"),
]
KINDS = [
    ("staff", "staff"),
    ("leads", "leads"),
    ("managers", "managers"),
    ("engineers", "engineers"),
    ("analysts", "analysts"),
    ("contractors", "contractors"),
    ("oncall", "on-call"),
    ("interns", "interns"),
    ("reviewers", "reviewers"),
    ("admins", "admins"),
]
PROJECTS = (
    "apollo borealis cobalt delta ember falcon granite harbor iris juniper kestrel lumen "
    "meridian nimbus orion pioneer quartz raven sierra tundra umbra vega willow xenon yarrow "
    "zephyr atlas beacon cascade drift"
).split()


@dataclass
class World:
    """What was made, for the summary (and the JSON kept beside a kept world)."""

    seed: int
    big_space: int
    timings: dict[str, float] = field(default_factory=dict)
    counts: dict[str, object] = field(default_factory=dict)
    big_space_key: str | None = None
    big_space_top: str | None = None  # slug of the big space's single top page


def _say(quiet: bool):
    return (lambda *a, **k: None) if quiet else (lambda *a, **k: print(*a, **k, flush=True))


@contextlib.contextmanager
def _one_hash() -> Iterator[None]:
    """create_user with one precomputed scrypt hash of the seed's password for everyone."""
    stored = accounts._hash(PASSWORD)
    original = accounts._hash
    accounts._hash = lambda password: stored if password == PASSWORD else original(password)
    try:
        yield
    finally:
        accounts._hash = original


def _weights(count: int, exponent: float, rng: random.Random) -> list[float]:
    """Popularity weights falling off as 1/rank^exponent, in a random order."""
    weights = [1 / (rank + 1) ** exponent for rank in range(count)]
    rng.shuffle(weights)
    return weights


def _pick(rng: random.Random, population: list, weights: list[float], count: int) -> list:
    """``count`` distinct items, drawn by weight."""
    chosen: dict = {}
    while len(chosen) < count:
        item = rng.choices(population, weights)[0]
        chosen.setdefault(item, None)
    return list(chosen)


def _space_names() -> list[tuple[str, str]]:
    return DEPARTMENTS + [(f"project-{p}", f"Project {p.title()}") for p in PROJECTS]


def build_world(
    database_url: str,
    *,
    seed_value: int = 1,
    users: int = 2000,
    group_count: int = 200,
    space_count: int = 50,
    restricted_share: float = 0.02,
    big_space: int = 0,
    quiet: bool = False,
) -> World:
    """Make the organisation in the seeded database at ``database_url`` (changed in place).
    Raises SystemExit when it is not a seeded database or is one already."""
    say = _say(quiet)
    rng = random.Random(seed_value)
    world = World(seed_value, big_space)
    if group_count > len(DEPARTMENTS) * len(KINDS) or space_count > len(_space_names()):
        raise SystemExit(
            f"at most {len(DEPARTMENTS) * len(KINDS)} groups and {len(_space_names())} spaces"
        )
    database = make_database(database_url)
    started = time.perf_counter()
    try:
        step = time.perf_counter()
        upgrade(database.engine)
        world.timings["migrate"] = time.perf_counter() - step
        with database.session(write=True) as session:
            if session.scalar(select(func.count()).select_from(Space)) > 1:
                raise SystemExit("This database has spaces already: give a freshly seeded copy.")
            if session.scalar(select(User).where(User.username == "reader")) is None:
                raise SystemExit("No bench users: seed the database with bench/seed.py first.")

        # --- people ------------------------------------------------------------------
        step = time.perf_counter()
        names = [f"user{number:04d}" for number in range(1, users + 1)]
        roles = {name: Role.READER if rng.random() < 0.15 else Role.EDITOR for name in names}
        with _one_hash():
            for first in range(0, users, 500):
                with database.session(write=True) as session:
                    for name in names[first : first + 500]:
                        accounts.create_user(session, name, PASSWORD, roles[name])
                    session.commit()
        world.timings["people"] = time.perf_counter() - step
        say(f"  {users:,} accounts in {world.timings['people']:.1f} s")

        # --- groups and their members --------------------------------------------------
        step = time.perf_counter()
        group_names = [
            (f"{dept}-{kind}", f"{dept_name} {kind_name}")
            for dept, dept_name in DEPARTMENTS
            for kind, kind_name in KINDS
        ]
        rng.shuffle(group_names)
        group_names = group_names[:group_count]
        keys = [key for key, _name in group_names]
        popularity = _weights(group_count, 0.6, rng)
        members: dict[str, list[str]] = {key: [] for key in keys}
        for name in names:
            for key in _pick(rng, keys, popularity, rng.randint(5, 20)):
                members[key].append(name)
        reader_groups = rng.sample(keys, GROUPS_OF_BENCH_USERS)
        editor_groups = reader_groups[:SHARED_GROUPS] + rng.sample(
            [k for k in keys if k not in reader_groups], GROUPS_OF_BENCH_USERS - SHARED_GROUPS
        )
        for key in reader_groups:
            members[key].append("reader")
        for key in editor_groups:
            members[key].append("editor")
        calls = 0
        with database.session(write=True) as session:
            admin = session.scalars(select(User).where(User.username == "admin")).one()
            for key, name in group_names:
                group = groups.create_group(session, admin, key, name)
                for first in range(0, len(members[key]), MEMBERS_PER_CALL):
                    chunk = members[key][first : first + MEMBERS_PER_CALL]
                    groups.change_members(session, admin, group, "add", " ".join(chunk))
                    calls += 1
            session.commit()
        world.timings["groups"] = time.perf_counter() - step
        sizes = sorted(len(m) for m in members.values())
        say(
            f"  {group_count} groups, {sum(sizes):,} memberships ({calls} change_members calls) "
            f"in {world.timings['groups']:.1f} s"
        )

        # --- spaces and grants ----------------------------------------------------------
        step = time.perf_counter()
        space_names = _space_names()
        rng.shuffle(space_names)
        space_names = space_names[:space_count]
        if big_space:
            space_names[0] = ("big", "Big space")
        open_spaces = set(rng.sample(range(1 if big_space else 0, space_count), OPEN_SPACES))
        private = [i for i in range(space_count) if i not in open_spaces]
        # The big space is the preview's subject: it grants to the reader's groups like any.
        reader_spaces = set(rng.sample(private, round(READER_SPACE_SHARE * len(private))))
        editor_spaces = set(rng.sample(private, round(EDITOR_SPACE_SHARE * len(private))))
        user_admin_spaces = set(rng.sample(private, min(USER_ADMIN_SPACES, len(private))))
        others_of_reader = [k for k in keys if k not in reader_groups]
        editor_only = [k for k in editor_groups if k not in reader_groups]
        editors = [n for n in names if roles[n] is Role.EDITOR]
        grant_levels: Counter = Counter()
        space_groups: dict[int, list[str]] = {}
        made_spaces: list[Space] = []
        with database.session(write=True) as session:
            admin = session.scalars(select(User).where(User.username == "admin")).one()
            for index, (key, name) in enumerate(space_names):
                space = spaces.create_space(
                    session,
                    admin,
                    key,
                    name,
                    f"{name}: policies, runbooks and notes.",
                    open_to_signed_in=index in open_spaces,
                )
                made_spaces.append(space)
                if index in open_spaces:
                    grant_levels["signed_in edit"] += 1
                    chosen = [(rng.choice(keys), "admin")]
                else:
                    count = rng.randint(1, 6)
                    if big_space and index == 0:
                        count = 6  # the preview's space: every kind of grant, several groups
                    pool = keys if index in reader_spaces else others_of_reader
                    picked = rng.sample(pool, count)
                    if index in reader_spaces and not set(picked) & set(reader_groups):
                        picked[rng.randrange(count)] = rng.choice(reader_groups)
                    levels = ["admin"] + [rng.choice(["read", "read", "edit"]) for _ in picked[1:]]
                    chosen = list(zip(picked, levels, strict=True))
                    if index in editor_spaces:
                        mine = rng.choice(editor_groups if index in reader_spaces else editor_only)
                        chosen = [(k, lv) for k, lv in chosen if k != mine]
                        chosen.append((mine, rng.choice(["edit", "edit", "admin"])))
                for group_key, level in chosen:
                    grants.set_grant(session, admin, space, "group", group_key, level)
                    grant_levels[f"group {level}"] += 1
                if index in user_admin_spaces:
                    grants.set_grant(session, admin, space, "user", rng.choice(editors), "admin")
                    grant_levels["user admin"] += 1
                space_groups[index] = [k for k, _lv in chosen]
            session.commit()
            space_ids = [space.id for space in made_spaces]
            space_keys = [space.key for space in made_spaces]
        world.timings["spaces"] = time.perf_counter() - step
        say(
            f"  {space_count} spaces ({OPEN_SPACES} open to signed-in), "
            f"{sum(grant_levels.values())} grants in {world.timings['spaces']:.1f} s"
        )

        # --- pages moved into the spaces, in trees -----------------------------------------
        step = time.perf_counter()
        with database.session(write=True) as session:
            page_ids = list(
                session.scalars(
                    select(Page.id)
                    .where(
                        Page.space_id == DEFAULT_SPACE_ID,
                        Page.slug != slugify(OFFICE_MOVE_TITLE),
                    )
                    .order_by(Page.id)
                )
            )
            aliased = session.scalar(select(func.count()).select_from(PageAlias))
        if aliased:
            raise SystemExit("The seeded database has renamed pages: not a plain seed.")
        rng.shuffle(page_ids)
        in_space: list[list[int]] = [[] for _ in range(space_count)]
        rest = page_ids
        if big_space:
            in_space[0], rest = page_ids[:big_space], page_ids[big_space:]
        sizes_from = 1 if big_space else 0
        falloff = [1 / (rank + 1) ** 0.8 for rank in range(space_count - sizes_from)]
        if rest and sizes_from < space_count:
            for page_id in rest:
                target = rng.choices(range(sizes_from, space_count), falloff)[0]
                in_space[target].append(page_id)
        parents: dict[int, int | None] = {}
        depth: dict[int, int] = {}
        children: Counter = Counter()
        for index, members_ in enumerate(in_space):
            eligible: list[int] = []  # pages that may take a child (depth < MAX_DEPTH)
            top = members_[0] if members_ else None
            for position, page_id in enumerate(members_):
                if position == 0:
                    parent = None
                elif big_space and index == 0 and rng.random() < TOP_SHARE:
                    parent = top  # the big space has a single top page
                elif not (big_space and index == 0) and rng.random() < TOP_SHARE:
                    parent = None
                else:
                    parent = rng.choice(eligible) if eligible else top
                parents[page_id] = parent
                depth[page_id] = 1 if parent is None else depth[parent] + 1
                limit = MAX_DEPTH + (1 if big_space and index == 0 else 0)
                if depth[page_id] < limit:
                    eligible.append(page_id)
                if parent is not None:
                    children[parent] += 1
        with database.session(write=True) as session:
            admin = session.scalars(select(User).where(User.username == "admin")).one()
            space_of = {page_id: i for i, ids in enumerate(in_space) for page_id in ids}
            by_index = {i: session.get(Space, space_ids[i]) for i in range(space_count)}
            for first in range(0, len(page_ids), 1000):
                chunk = page_ids[first : first + 1000]
                for page in session.scalars(
                    select(Page)
                    .where(Page.id.in_(chunk))
                    .options(selectinload(Page.current_revision))
                ):
                    space = by_index[space_of[page.id]]
                    slug = spaces.page_slug(space, page.title)
                    if slug != f"{space.key}:{page.slug}":
                        raise SystemExit(f"page {page.slug!r} does not have its title's address")
                    page.space_id, page.slug = space.id, slug  # the validator sets sort_key
                    page.parent_id = parents[page.id]
                    revision = page.current_revision
                    html, toc, links = fresh_rendering(revision.body, space.key)
                    session.merge(
                        RenderedRevision(
                            revision_id=revision.id,
                            renderer_version=RENDERER_VERSION,
                            space_id=space.id,
                            html=html,
                            toc_html=toc,
                            wikilinks=links,
                        )
                    )
                session.flush()
            for index, ids in enumerate(in_space):
                audit.record(
                    session,
                    admin,
                    audit.AuditAction.PAGE_MOVE,
                    None,
                    {"from": spaces.DEFAULT_SPACE_KEY, "to": space_keys[index], "pages": len(ids)},
                    target=f"space {space_keys[index]}",
                )
            tops = [page_id for page_id in page_ids if parents[page_id] is None]
            looked_at = restrictions.refresh_scopes(session, tops)
            session.commit()
        if looked_at != len(page_ids):
            raise SystemExit(f"refresh_scopes reached {looked_at} of {len(page_ids)} pages")
        world.timings["pages"] = time.perf_counter() - step
        page_counts = sorted(len(ids) for ids in in_space)
        say(
            f"  {len(page_ids):,} pages moved into the spaces, {len(tops):,} at the top, in "
            f"{world.timings['pages']:.1f} s"
        )
        if big_space:
            world.big_space_key = space_keys[0]

        # --- restrictions --------------------------------------------------------------------
        step = time.perf_counter()
        wanted = round(restricted_share * len(page_ids))
        big_top = in_space[0][0] if big_space and in_space[0] else None
        candidates = [p for p in page_ids if depth[p] < MAX_DEPTH and p != big_top]
        with_children = [p for p in candidates if children[p]]
        chosen_pages: list[tuple[int, str]] = []
        taken: set[tuple[int, str]] = set()
        while len(chosen_pages) < min(wanted, len(candidates)):
            pool = with_children if with_children and rng.random() < 0.6 else candidates
            page_id = rng.choice(pool)
            kind = "read" if rng.random() < 0.7 else "edit"
            if (page_id, kind) not in taken:
                taken.add((page_id, kind))
                chosen_pages.append((page_id, kind))
        kinds: Counter = Counter()
        slowest = 0.0
        with database.session(write=True) as session:
            admin = session.scalars(select(User).where(User.username == "admin")).one()
            for number, (page_id, kind) in enumerate(chosen_pages, start=1):
                index = space_of[page_id]
                granted = space_groups[index]
                named = rng.sample(granted, min(len(granted), rng.randint(1, 2)))
                if rng.random() < 0.3:
                    named.append(rng.choice(keys))
                people = rng.sample(names, rng.randint(1, 2)) if rng.random() < 0.25 else []
                page = session.get(Page, page_id)
                one = time.perf_counter()
                restrictions.set_restriction(
                    session, admin, page, kind, " ".join(dict.fromkeys(named)), " ".join(people)
                )
                slowest = max(slowest, time.perf_counter() - one)
                kinds[kind] += 1
                if number % 100 == 0:
                    session.commit()
                    say(f"    {number} restrictions, {time.perf_counter() - step:.1f} s")
            session.commit()
        world.timings["restrictions"] = time.perf_counter() - step
        say(
            f"  {len(chosen_pages)} restrictions in {world.timings['restrictions']:.1f} s "
            f"(slowest set_restriction {slowest:.2f} s)"
        )
        world.timings["total"] = time.perf_counter() - started

        # --- what it amounts to ------------------------------------------------------------
        with database.session() as session:
            under_read = session.scalar(select(func.count()).where(Page.read_scope_id.is_not(None)))
            under_edit = session.scalar(select(func.count()).where(Page.edit_scope_id.is_not(None)))
            live = session.scalar(select(func.count()).where(Page.deleted.is_(False)))
            bench_users = {}
            for username in ("reader", "editor"):
                user = session.scalars(select(User).where(User.username == username)).one()
                reach = reach_of(user, session)
                rows = session.execute(
                    select(Page.deleted, Page.space_id, Page.read_scope_id, Page.edit_scope_id)
                )
                readable = editable = 0
                for row in rows:
                    actions = page_actions(reach, row)
                    readable += "read" in actions
                    editable += "edit" in actions
                bench_users[username] = {
                    "groups": GROUPS_OF_BENCH_USERS,
                    "spaces": len(reach.levels),
                    "readable": readable,
                    "editable": editable,
                }
            if big_space:
                world.big_space_top = session.scalar(select(Page.slug).where(Page.id == big_top))
        world.counts = {
            "users": users,
            "readers": sum(r is Role.READER for r in roles.values()),
            "groups": group_count,
            "memberships": sum(sizes),
            "group_members_min_median_max": [sizes[0], statistics.median(sizes), sizes[-1]],
            "spaces": space_count,
            "grants": dict(grant_levels),
            "pages_moved": len(page_ids),
            "pages_live": live,
            "space_pages_min_median_max": [
                page_counts[0],
                statistics.median(page_counts),
                page_counts[-1],
            ],
            "depths": dict(sorted(Counter(depth.values()).items())),
            "restrictions": dict(kinds),
            "pages_under_read_restriction": under_read,
            "pages_under_edit_restriction": under_edit,
            "bench_users": bench_users,
        }
        return world
    finally:
        database.dispose()


def summary_of(world: World) -> dict:
    """What was made, as kept beside a kept world (JSON)."""
    return {
        "version": WORLD_VERSION,
        "seed": world.seed,
        "big_space": world.big_space,
        "big_space_key": world.big_space_key,
        "big_space_top": world.big_space_top,
        "timings": world.timings,
        "counts": world.counts,
    }


def describe_summary(summary: dict) -> str:
    c, timings = summary["counts"], summary["timings"]
    lines = [
        f"Organisation (seed {summary['seed']}) made in {timings.get('total', 0):.1f} s: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items() if k != "total"),
        f"  people: {c['users']:,} accounts ({c['readers']:,} readers, the rest editors)",
        f"  groups: {c['groups']}, {c['memberships']:,} memberships; members per group "
        "min / median / max {} / {} / {}".format(*c["group_members_min_median_max"]),
        f"  spaces: {c['spaces']}; grants: "
        + ", ".join(f"{k} {v}" for k, v in sorted(c["grants"].items())),
        f"  pages: {c['pages_moved']:,} moved into the spaces ({c['pages_live']:,} live in all); "
        "per space min / median / max {} / {} / {}".format(*c["space_pages_min_median_max"]),
        "  tree depth: " + ", ".join(f"{d}: {n:,}" for d, n in c["depths"].items()),
        "  restrictions: "
        + ", ".join(f"{k} {v}" for k, v in sorted(c["restrictions"].items()))
        + f"; pages under a read restriction {c['pages_under_read_restriction']:,}, "
        f"under an edit restriction {c['pages_under_edit_restriction']:,}",
    ]
    for name, seen in c["bench_users"].items():
        lines.append(
            f"  {name}: {seen['groups']} groups, {seen['spaces']} spaces, reads "
            f"{seen['readable']:,} of {c['pages_live']:,} pages "
            f"({seen['readable'] / c['pages_live']:.0%}), edits {seen['editable']:,}"
        )
    if summary["big_space_key"]:
        lines.append(
            f"  big space: {summary['big_space_key']} ({summary['big_space']:,} pages), top page "
            f"{summary['big_space_top']}"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------- kept worlds


def world_file(workdir: Path, pages: int, seed_value: int, big_space: int = 0) -> Path:
    suffix = f"-big{big_space}" if big_space else ""
    return workdir / f"access-{pages}-s{seed_value}{suffix}.db"


def kept_world(
    workdir: Path, pages: int, *, seed_value: int = 1, big_space: int = 0, reseed: bool = False
) -> tuple[Path, dict]:
    """A world made from ``workdir/wiki-<pages>-1000.db`` (seeded first when missing), kept
    as ``access-<pages>-s<seed>[-big<N>].db`` with its summary beside it (``.json``) and
    reused while its world version and schema fit the code. Returns the file and the
    summary."""
    from views import _seed_is_current, copy_sqlite, seeded_sqlite

    path = world_file(workdir, pages, seed_value, big_space)
    info = path.with_suffix(".json")
    if path.exists() and info.exists() and not reseed:
        kept = json.loads(info.read_text())
        why = _seed_is_current(path, pages, 1000)
        if kept.get("version") == WORLD_VERSION and not why:
            print(f"Using the organisation {path.name}")
            return path, kept
        print(f"Making {path.name} again: {why or 'the world changed'}.")
    seeded = seeded_sqlite(workdir, pages, 1000, False)
    partial = Path(f"{path}.partial")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    copy_sqlite(seeded, partial)
    print(f"Making an organisation of {pages:,} pages in {path.name}...", flush=True)
    world = build_world(f"sqlite:///{partial}", seed_value=seed_value, big_space=big_space)
    summary = summary_of(world)
    partial.rename(path)
    info.write_text(json.dumps(summary, indent=1))
    return path, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a database seeded by seed.py")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--spaces", type=int, default=50)
    parser.add_argument(
        "--restricted", type=float, default=0.02, help="share of pages restricted (default 0.02)"
    )
    parser.add_argument(
        "--big-space",
        type=int,
        default=0,
        help="pages of the first space, in one tree (default 0: spread like the others)",
    )
    args = parser.parse_args()
    world = build_world(
        args.database_url,
        seed_value=args.seed,
        users=args.users,
        group_count=args.groups,
        space_count=args.spaces,
        restricted_share=args.restricted,
        big_space=args.big_space,
    )
    print(describe_summary(summary_of(world)))


if __name__ == "__main__":
    main()
