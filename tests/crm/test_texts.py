"""Stored texts as codes and parameters (crm.core.texts): rendered in the reader's language,
falling back to the stored text when the code or its parameters no longer fit."""

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from crm.core import texts


def setup_module():
    texts.register_texts(
        texts.Text("test.due", _("Complaint %(ref)s is due on %(due)s")),
        texts.Text(
            "test.grade",
            _("%(grade)s warning: %(customer)s"),
            choices={"grade": {"red": _("Red")}},
        ),
        texts.Text("test.outer", _("Follow-up reminder: %(task)s"), body=_("Body %(task)s")),
    )


def test_a_code_renders_in_the_active_language():
    params = {"ref": "TS1", "due": "2026-03-02"}
    with translation.override("en"):
        assert texts.render("test.due", params) == "Complaint TS1 is due on 2026-03-02"
    with translation.override("zh-hans"):
        assert texts.render("test.due", params) != "Complaint TS1 is due on 2026-03-02"
        assert "TS1" in texts.render("test.due", params)


def test_stored_is_the_default_language_whatever_is_active():
    params = {"ref": "TS1", "due": "x"}
    with translation.override("en"):
        stored = texts.stored("test.due", params)
    with translation.override("zh-hans"):
        assert stored == texts.render("test.due", params)
    assert stored != "Complaint TS1 is due on x"


def test_choice_parameters_show_their_label():
    with translation.override("en"):
        assert texts.render("test.grade", {"grade": "red", "customer": "张伟"}) == (
            "Red warning: 张伟"
        )


def test_a_nested_stored_text_is_rendered_too():
    params = {
        "task": "满意度回访：TS1",
        "task_code": "test.due",
        "task_params": '{"ref": "TS1", "due": "d"}',
    }
    with translation.override("en"):
        assert texts.render("test.outer", params) == (
            "Follow-up reminder: Complaint TS1 is due on d"
        )
        assert texts.render_body("test.outer", params) == "Body Complaint TS1 is due on d"
    # A nested text without a code (a manual task) shows its stored words.
    plain = {"task": "给张总打电话", "task_code": "", "task_params": None}
    with translation.override("en"):
        assert texts.render("test.outer", plain) == "Follow-up reminder: 给张总打电话"


def test_unknown_codes_and_unfit_parameters_fall_back_to_the_stored_text():
    assert texts.render("", None, "旧标题") == "旧标题"
    assert texts.render("no.such.code", {"a": 1}, "旧标题") == "旧标题"
    assert texts.render("test.due", {"ref": "TS1"}, "旧标题") == "旧标题"  # "due" missing
    assert texts.render("test.due", "not json", "旧标题") == "旧标题"
    assert texts.render_body("test.due", {"ref": "TS1", "due": "d"}, "旧正文") == "旧正文"
