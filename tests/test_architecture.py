"""The layout keeps its promises: no import circles, each layer imports only what is below
it, services leave requests and commits to the views, and views commit in one place."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

WIKI = Path(__file__).resolve().parent.parent / "wiki"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(WIKI.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(path): path for path in sorted(WIKI.rglob("*.py"))}


def _imports(name: str) -> set[str]:
    """The wiki modules ``name`` imports, at any depth of its code (not the package root,
    whose create_app imports everything by design)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            # ``from package import module`` uses the module; ``from module import name``
            # the module.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target not in (name, "wiki"):
                found.add(target)
    return found


GRAPH = {name: _imports(name) for name in MODULES}


def test_no_module_imports_itself_through_others():
    seen: dict[str, int] = {}  # 1: on the current path, 2: done
    circles = []

    def visit(name: str, path: list[str]) -> None:
        seen[name] = 1
        for other in sorted(GRAPH[name]):
            if seen.get(other) == 1:
                circles.append(path[path.index(other) :] + [other])
            elif other not in seen:
                visit(other, [*path, other])
        seen[name] = 2

    for name in sorted(GRAPH):
        if name not in seen:
            visit(name, [name])
    assert circles == []


BOTTOM = {"wiki.models", "wiki.db", "wiki.config", "wiki.errors", "wiki.pagination",
          "wiki.slugs", "wiki.textsafety", "wiki.instance", "wiki.resources"}  # fmt: skip
# What each part may import from the wiki, besides itself and the bottom layer.
MAY_IMPORT = {
    "wiki.access": set(),
    "wiki.content": {"wiki.access"},
    "wiki.files": {"wiki.access", "wiki.content"},
    "wiki.search": {"wiki.access", "wiki.content", "wiki.files"},
    "wiki.notify": {"wiki.access", "wiki.content"},
    "wiki.views": {"wiki.access", "wiki.content", "wiki.files", "wiki.search", "wiki.notify"},
    "wiki.ops": {
        "wiki.access",
        "wiki.content",
        "wiki.files",
        "wiki.search",
        "wiki.notify",
        "wiki.views",
    },
}


def _part(name: str) -> str:
    return ".".join(name.split(".")[:2])


@pytest.mark.parametrize("part", sorted(MAY_IMPORT))
def test_each_part_imports_only_what_is_below_it(part):
    allowed = MAY_IMPORT[part] | {part}
    wrong = {
        f"{name} -> {other}"
        for name, others in GRAPH.items()
        if _part(name) == part
        for other in others
        if other not in BOTTOM and _part(other) not in allowed
    }
    assert wrong == set()


def test_the_bottom_layer_imports_nothing_above_it():
    wrong = {f"{n} -> {o}" for n in BOTTOM & MODULES.keys() for o in GRAPH[n] if o not in BOTTOM}
    assert wrong == set()


def test_the_permission_module_rests_on_the_models_and_the_rules_it_loads_alone():
    """One module decides; it reads the grants and restrictions through one loader, and
    where pages sit through another, which rest on the models, the database's sessions and
    the audit log's list of access changes (their cache keys)."""
    loaders = {"wiki.access.reach", "wiki.access.placements"}
    assert GRAPH["wiki.access.permissions"] <= {"wiki.models", "wiki.db"} | loaders
    for loader in loaders:
        assert GRAPH[loader] <= {"wiki.models", "wiki.db", "wiki.access.audit"}


SERVICES = [
    name
    for name in MODULES
    if _part(name) in {"wiki.content", "wiki.files", "wiki.search", "wiki.notify"}
] + [
    name
    for name in MODULES
    if name in {"wiki.access.accounts", "wiki.access.audit", "wiki.access.groups"}
]


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_services_never_touch_the_request_or_commit(name):
    """Services take the caller's session; the request, flashes, redirects, templates and
    the commit belong to the views."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    flask_names = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "flask"
        for alias in node.names
    }
    assert flask_names & {"request", "flash", "redirect", "render_template", "session"} == set()
    commits = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "commit"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "session"
    ]
    assert commits == []


@pytest.mark.parametrize("name", sorted(n for n in MODULES if _part(n) == "wiki.views"))
def test_views_commit_only_through_the_write_transaction_helper(name):
    source = MODULES[name].read_text(encoding="utf-8")
    if name == "wiki.views.common":  # where the helper lives
        return
    assert ".commit()" not in source
