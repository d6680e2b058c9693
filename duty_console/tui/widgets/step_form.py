"""One small form for the rooms and incident views: an optional choice, then a few fields.

Doing a step (its required fields and a note), skipping it (the reason), a note, admitting,
releasing (the disposition, who collected), a disinfection, opening a drill: each is a choice
list and/or some labelled fields, then one domain call in the form's worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from sqlmodel import Session
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from duty_console.i18n import _
from duty_console.tui.context import ConsoleContext
from duty_console.tui.widgets.field import Field
from duty_console.tui.widgets.form import FormModal, Recorded


@dataclass(frozen=True)
class FormField:
    key: str
    label: str  # already translated
    value: str = ""
    required: bool = False


Write = Callable[[Session, str | None, dict[str, str]], Recorded]


class StepForm(FormModal):
    """Choose (1-9 or the arrows), fill the fields (enter moves on), enter on the last records."""

    DEFAULT_CSS = """
    StepForm #choices { height: auto; max-height: 10; background: $surface; }
    StepForm .detail { color: $text-muted; width: 100%; height: auto; }
    """

    def __init__(
        self,
        context: ConsoleContext,
        title: str,
        write: Write,
        *,
        fields: list[FormField] | None = None,
        choices: list[tuple[str, str]] | None = None,
        choice_label: str = "",
        detail: str = "",
    ) -> None:
        super().__init__(context)
        self.form_title = title
        self.write_action = write
        self.fields = fields or []
        self.choices = choices or []
        self.choice_label = choice_label
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Label(self.form_title, classes="title", markup=False)
            if self.detail:
                yield Label(self.detail, classes="detail", markup=False)
            if self.choices:
                if self.choice_label:
                    yield Label(self.choice_label, classes="field-label", markup=False)
                yield OptionList(
                    *(
                        Option(Text(f"{n}  {label}" if n < 10 else f"   {label}"), id=key)
                        for n, (key, label) in enumerate(self.choices, 1)
                    ),
                    compact=True,
                    id="choices",
                )
            for f in self.fields:
                mark = " *" if f.required else ""
                yield Label(f.label + mark, classes="field-label", markup=False)
                yield Field(value=f.value, id=f"field-{f.key}")
            yield self.error_label()
            yield self.hint_label()

    def on_mount(self) -> None:
        if self.choices:
            options = self.query_one("#choices", OptionList)
            options.highlighted = 0
            options.focus()
        elif self.fields:
            self.query_one(f"#field-{self.fields[0].key}", Input).focus()

    @property
    def choice(self) -> str | None:
        if not self.choices:
            return None
        highlighted = self.query_one("#choices", OptionList).highlighted
        return self.choices[highlighted or 0][0]

    def values(self) -> dict[str, str]:
        return {f.key: self.query_one(f"#field-{f.key}", Input).value.strip() for f in self.fields}

    def on_key(self, event: events.Key) -> None:
        if not self.choices:
            return
        options = self.query_one("#choices", OptionList)
        key = event.character
        if options.has_focus and key and key.isdigit() and 1 <= int(key) <= len(self.choices):
            options.highlighted = int(key) - 1
            event.stop()
            self._after_choice()

    @on(OptionList.OptionSelected, "#choices")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._after_choice()

    def _after_choice(self) -> None:
        if self.fields:
            self.query_one(f"#field-{self.fields[0].key}", Input).focus()
        else:
            self.action_submit()

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        event.stop()
        keys = [f.key for f in self.fields]
        current = (event.input.id or "").removeprefix("field-")
        at = keys.index(current) if current in keys else len(keys) - 1
        if at + 1 < len(keys):
            self.query_one(f"#field-{keys[at + 1]}", Input).focus()
        else:
            self.action_submit()

    def action_submit(self) -> None:
        values = self.values()
        missing = [f for f in self.fields if f.required and not values.get(f.key)]
        if missing:
            self.show_error(
                _("Fill in: {fields}.").format(fields=", ".join(f.label for f in missing))
            )
            self.query_one(f"#field-{missing[0].key}", Input).focus()
            return
        choice = self.choice
        self.write(lambda session: self.write_action(session, choice, values))
