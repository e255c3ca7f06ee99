"""The quick select widget (a partner's people in "assign to") renders what WTForms' does."""

from __future__ import annotations

from html.parser import HTMLParser

from wtforms import Form, SelectField
from wtforms.fields.choices import SelectChoice

from leadshare.forms import QuickSelect


class _Options(HTMLParser):
    """(value, label, selected) of every option, and the select's attributes."""

    def __init__(self):
        super().__init__()
        self.options: list[list] = []
        self.select: dict = {}

    def handle_starttag(self, tag, attrs):
        if tag == "select":
            self.select = dict(attrs)
        if tag == "option":
            a = dict(attrs)
            self.options.append([a["value"], "", "selected" in a])

    def handle_data(self, data):
        if self.options:
            self.options[-1][1] += data


def _parsed(html: str) -> _Options:
    parser = _Options()
    parser.feed(html)
    return parser


def test_the_quick_select_shows_the_same_options_escaped_with_the_current_one_selected():
    people = [SelectChoice(0, "Not assigned")] + [
        SelectChoice(i, f'担当 {i} <b>"&"</b>') for i in range(1, 40)
    ]

    class Form_(Form):
        stock = SelectField(coerce=int)
        quick = SelectField(coerce=int, widget=QuickSelect())

    form = Form_()
    for field in (form.stock, form.quick):
        field.choices = people
        field.data = 7
    stock = _parsed(str(form.stock(id="a", class_="wide")))
    quick = _parsed(str(form.quick(id="a", class_="wide")))
    assert quick.options == stock.options
    assert [o for o in quick.options if o[2]] == [["7", '担当 7 <b>"&"</b>', True]]
    assert "<b>" not in str(form.quick()) and quick.select["class"] == "wide"
