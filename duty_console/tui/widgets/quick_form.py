"""A form of a few typed fields that ends in one domain call: the people views' forms.

Each field is (id, label, initial value); ``action(session, values)`` writes through a domain
service and returns what was recorded. A count that is not a number, a missing required field
or an error from the rules is shown in the form; nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlmodel import Session
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label

from duty_console.i18n import _
from duty_console.tui.context import ConsoleContext
from duty_console.tui.widgets.field import Field
from duty_console.tui.widgets.form import FormModal, Recorded


@dataclass(frozen=True)
class FormField:
    id: str
    label: str  # already translated
    value: str = ""
    required: bool = False
    number: bool = False


Action = Callable[[Session, dict[str, str]], Recorded]


class QuickForm(FormModal):
    """Enter moves to the next field; on the last one it records."""

    def __init__(
        self,
        context: ConsoleContext,
        title: str,
        fields: Sequence[FormField],
        action: Action,
        *,
        writes: bool = True,
    ) -> None:
        super().__init__(context)
        self.form_title = title
        self.fields = tuple(fields)
        self.action = action
        # A form that only asks (a search) reads; it never opens a write transaction.
        self.writes = writes

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Label(self.form_title, classes="title", markup=False)
            for f in self.fields:
                yield Label(f.label, classes="field-label", markup=False)
                yield Field(value=f.value, id=f"f-{f.id}")
            yield self.error_label()
            yield self.hint_label()

    def on_mount(self) -> None:
        for f in self.fields:
            field = self.query_one(f"#f-{f.id}", Input)
            if not f.value:
                field.focus()
                return
        self.query_one(f"#f-{self.fields[0].id}", Input).focus()

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        event.stop()
        ids = [f"f-{f.id}" for f in self.fields]
        here = ids.index(event.input.id or "")
        if here + 1 < len(ids):
            self.query_one(f"#{ids[here + 1]}", Input).focus()
        else:
            self.action_submit()

    def values(self) -> dict[str, str]:
        return {f.id: self.query_one(f"#f-{f.id}", Input).value.strip() for f in self.fields}

    def action_submit(self) -> None:
        values = self.values()
        for f in self.fields:
            if f.required and not values[f.id]:
                self.show_error(_("Fill in: {field}").format(field=f.label))
                self.query_one(f"#f-{f.id}", Input).focus()
                return
            if f.number and values[f.id] and not values[f.id].isdigit():
                self.show_error(_("{field}: a whole number, please").format(field=f.label))
                self.query_one(f"#f-{f.id}", Input).focus()
                return
        action = self.action
        if not self.writes:
            with self.context.rt.db.read() as session:
                self.dismiss(action(session, values))
            return
        self.write(lambda session: action(session, values))


def number(values: dict[str, str], key: str) -> int:
    return int(values.get(key) or 0)
