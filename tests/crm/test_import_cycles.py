"""No import cycle between the modules of one app (issue 14 item 8): a cycle says two modules
are one concern, or that a third is missing. grimp (import-linter's graph) counts imports inside
functions too, so a lazy import does not hide a cycle."""

import grimp
import pytest

APPS = (
    "crm.accounts",
    "crm.audit",
    "crm.core",
    "crm.performance",
    "crm.ui",
    "customers",
    "tiering",
    "complaints",
    "compliance",
)


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("crm", "customers", "tiering", "complaints", "compliance")


def _cycles(graph, package: str) -> list[list[str]]:
    modules = {package} | graph.find_descendants(package)
    # A package's __init__ importing its children is not a cycle with them; `from . import x`
    # in a child is recorded as importing the package, so drop child -> ancestor-package edges.
    edges = {
        m: {
            n
            for n in graph.find_modules_directly_imported_by(m) & modules
            if not m.startswith(n + ".")
        }
        for m in modules
    }
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(m):  # Tarjan: a strongly connected component of more than one module is a cycle
        index[m] = low[m] = len(index)
        stack.append(m)
        on_stack.add(m)
        for n in edges[m]:
            if n not in index:
                visit(n)
                low[m] = min(low[m], low[n])
            elif n in on_stack:
                low[m] = min(low[m], index[n])
        if low[m] == index[m]:
            component = []
            while True:
                n = stack.pop()
                on_stack.discard(n)
                component.append(n)
                if n == m:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for m in sorted(modules):
        if m not in index:
            visit(m)
    return found


@pytest.mark.parametrize("package", APPS)
def test_no_import_cycle_inside_an_app(graph, package):
    assert _cycles(graph, package) == []


def test_the_check_finds_a_cycle():
    """The detector itself: two modules importing each other are reported."""
    fake = grimp.ImportGraph()
    for name in ("app", "app.a", "app.b"):
        fake.add_module(name)
    fake.add_import(importer="app.a", imported="app.b")
    fake.add_import(importer="app.b", imported="app.a")
    assert _cycles(fake, "app") == [["app.a", "app.b"]]
