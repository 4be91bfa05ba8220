"""Keyboard shortcuts (issue 20 item 6): one registry, listed in the `?` dialog of every page."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from crm.accounts import roles
from crm.ui import shortcuts
from crm.ui.shortcuts import Shortcut

pytestmark = pytest.mark.django_db


def _dialog(html: str) -> str:
    return html.split('id="shortcuts-help"')[1].split("</table>")[0]


def test_the_dialog_lists_every_registered_shortcut_the_user_may_use(client, make_user):
    admin = make_user(roles.ADMINISTRATOR, is_superuser=True)
    client.force_login(admin)
    dialog = _dialog(client.get(reverse("ui:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode())
    registered = shortcuts.shortcuts()
    assert {"?", "/", "g h", "g c", "g t", "n c", "g q", "g w"} <= {s.keys for s in registered}
    for s in registered:
        assert f'data-shortcut="{s.keys}"' in dialog, s.keys
        assert str(s.description) in dialog
        if s.url_name:
            assert f'data-shortcut-href="{reverse(s.url_name)}"' in dialog


def test_shortcuts_follow_permissions(client, rm, monkeypatch):
    monkeypatch.setattr(shortcuts, "_shortcuts", dict(shortcuts._shortcuts))
    shortcuts.register_shortcut(
        Shortcut("g z", "Go somewhere secret", url_name="ui:home", permission="audit.nobody")
    )
    client.force_login(rm)
    dialog = _dialog(client.get(reverse("ui:home")).content.decode())
    assert 'data-shortcut="g c"' in dialog and 'data-shortcut="n c"' in dialog
    assert 'data-shortcut="g z"' not in dialog


def test_the_dialog_is_in_chinese(client, rm):
    client.force_login(rm)
    html = client.get(reverse("ui:home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    dialog = _dialog(html)
    assert (
        "键盘快捷键" in html
        and "前往客户列表" in dialog
        and "<kbd>g</kbd> 再按 <kbd>c</kbd>" in dialog
    )


def test_one_action_per_shortcut_and_no_key_twice(monkeypatch):
    with pytest.raises(ValueError):
        Shortcut("x", "two actions", url_name="ui:home", click="#x")
    monkeypatch.setattr(shortcuts, "_shortcuts", dict(shortcuts._shortcuts))
    with pytest.raises(ValueError):
        shortcuts.register_shortcut(Shortcut("g c", "elsewhere", url_name="ui:home"))


def test_anonymous_pages_have_no_dialog(client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert "shortcuts-help" not in html
    assert shortcuts.shortcuts_for(AnonymousUser())[0]["keys"] == "?"
