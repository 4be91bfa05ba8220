"""Views get data only through selectors and change it only through services (DESIGN §3): no
ORM call in a view module. The check reads the source, so it also covers code paths that no
other test exercises."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("crm", "customers", "tiering", "complaints", "compliance")
# The calls that mean a view talks to the ORM itself (.objects, .filter(, .create(, .save().
ORM_CALLS = {"objects", "filter", "create", "save"}


def _view_modules():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            # api.py: the integration API's endpoints are views too.
            if path.name in ("views.py", "api.py") or "views" in path.parent.name.split("/"):
                yield path


def _orm_uses(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            yield node.lineno, ".objects"
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ORM_CALLS - {"objects"}
        ):
            # form.save() is a ModelForm's own write path; only services may call it.
            yield node.lineno, f".{node.func.attr}("


def test_view_modules_make_no_orm_calls():
    modules = list(_view_modules())
    assert len(modules) >= 8, "the check found too few view modules to be checking anything"
    found = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in modules
        for line, what in _orm_uses(path)
    ]
    assert not found, "ORM calls in views (use a selector or a service):\n" + "\n".join(found)
