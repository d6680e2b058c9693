"""Signing in at the gate PC: staff number and PIN. Nothing personal shows before it."""

from __future__ import annotations

import os

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Center, Middle, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Label

from duty_console.domain import staff
from duty_console.domain.actors import Actor
from duty_console.errors import UserError
from duty_console.i18n import _, translate_error
from duty_console.runtime import Runtime
from duty_console.tui import text
from duty_console.tui.widgets.field import Field


class PinInput(Field):
    """A PIN field masked with '*': Textual's bullet is ambiguous-width in Chinese terminals."""

    @property
    def _value(self) -> Text:
        return Text("*" * len(self.value), no_wrap=True, overflow="ignore", end="")


class SignInScreen(Screen[Actor]):
    """Dismisses with the signed-in Actor."""

    DEFAULT_CSS = """
    SignInScreen {
        & #sign-in { width: 48; max-width: 100%; height: auto; background: $panel; padding: 1 2; }
        & .title { text-style: bold; }
        & .field-label { color: $text-muted; margin-top: 1; }
        & #error { color: $text-error; text-style: bold; margin-top: 1; width: 100%; }
    }
    """

    class Failed(Message):
        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    class Succeeded(Message):
        def __init__(self, actor: Actor) -> None:
            super().__init__()
            self.actor = actor

    def __init__(self, rt: Runtime) -> None:
        super().__init__()
        self._rt = rt
        self._busy = False

    def compose(self) -> ComposeResult:
        with Middle(), Center(), Vertical(id="sign-in"):
            yield Label(self._rt.settings.site.name, classes="title", markup=False)
            yield Label(_("Sign in to the duty console"), markup=False)
            yield Label(_("Staff number"), classes="field-label")
            yield Field(placeholder="T001", id="staff-id")
            yield Label(_("PIN"), classes="field-label")
            yield PinInput(placeholder="****", password=True, id="pin")
            yield Label("", id="error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#error").display = False
        self.query_one("#staff-id", Input).focus()

    @on(Input.Submitted, "#staff-id")
    def _staff_entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#pin", Input).focus()

    @on(Input.Submitted, "#pin")
    def _pin_entered(self, event: Input.Submitted) -> None:
        event.stop()
        staff_id = self.query_one("#staff-id", Input).value.strip()
        if self._busy or not staff_id:
            return
        self._busy = True
        self._sign_in(staff_id, event.value)

    @work(thread=True, exclusive=True, group="sign-in")
    def _sign_in(self, staff_id: str, pin: str) -> None:
        via = "ssh" if os.environ.get("SSH_CONNECTION") else "console"
        try:
            with self._rt.db.write() as session:
                result = staff.sign_in(
                    session, staff_id, pin, self._rt.gate, via, clock=self._rt.clock
                )
        except UserError as exc:
            self.post_message(self.Failed(translate_error(exc)))
        except Exception as exc:
            # The cause in plain words (a full disk, a long write elsewhere, no connection),
            # never the driver's "database is locked".
            self.post_message(self.Failed(text.nothing_recorded(exc, self._rt.db.path)))
        else:
            if isinstance(result, staff.SignInRefused):
                refusal = UserError(result.message, minutes=result.minutes)
                self.post_message(self.Failed(translate_error(refusal)))
            else:
                self.post_message(self.Succeeded(result))

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self._busy = False
        error = self.query_one("#error", Label)
        error.update(message.reason)
        error.display = True
        pin = self.query_one("#pin", Input)
        pin.value = ""
        pin.focus()

    @on(Succeeded)
    def _succeeded(self, message: Succeeded) -> None:
        self.dismiss(message.actor)
