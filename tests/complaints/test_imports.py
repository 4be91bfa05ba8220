"""No import cycle between the modules of the complaints app (issue 14 item 8): a cycle says
two modules are one concern, or that a third is missing (figures <-> models was one)."""

import grimp


def _cycles(package: str) -> list[list[str]]:
    graph = grimp.build_graph(package)
    modules = sorted(graph.find_children(package) | graph.find_descendants(package))
    edges = {m: graph.find_modules_directly_imported_by(m) & set(modules) for m in modules}
    # Tarjan's strongly connected components; a component of more than one module is a cycle.
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(m):
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

    for m in modules:
        if m not in index:
            visit(m)
    return found


def test_complaints_modules_import_each_other_one_way():
    assert _cycles("complaints") == []
