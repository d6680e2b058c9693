"""``:rota``: today's shifts and who is on duty now, the reminder before a shift ends, and the
handover: built from live state, confirmed item by item by the incoming person, then signed
out by the outgoing one (the sign-out key appears only when every item is answered).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from rich.text import Text
from sqlmodel import Session
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Label

from duty_console.db.models import Handover, HandoverItem
from duty_console.domain import handover, rota
from duty_console.errors import UserError
from duty_console.i18n import N_, _, language, translate_error
from duty_console.tui.actions import ActionScreen, ScreenAction, nudge
from duty_console.tui.context import ConsoleContext
from duty_console.tui.text import nothing_recorded, role_label
from duty_console.tui.widgets.footer import ConsoleFooter
from duty_console.tui.widgets.form import Recorded
from duty_console.tui.widgets.header import ConsoleHeader
from duty_console.tui.widgets.quick_form import FormField, QuickForm

ITEM_STATES = {"pending": N_("to confirm"), "confirmed": N_("confirmed"), "flagged": N_("flagged")}


@dataclass(frozen=True)
class RotaData:
    day: date
    shifts: list[rota.ShiftRow]
    ending: list[rota.ShiftRow]
    open: Handover | None
    items: list[HandoverItem]
    history: list[Handover]


class RotaScreen(ActionScreen):
    AREA = N_("rota")
    ACTIONS = (
        ScreenAction(
            "rota.handover",
            "h",
            "handover",
            N_("hand over"),
            N_("Start the handover to the next person"),
            "handover",
        ),
        ScreenAction(
            "rota.confirm",
            "c",
            "confirm",
            N_("confirm"),
            N_("Confirm the chosen handover item"),
            "handover",
        ),
        ScreenAction(
            "rota.flag",
            "f",
            "flag",
            N_("flag"),
            N_("Flag the chosen handover item, saying why"),
            "handover",
        ),
        ScreenAction(
            "rota.sign_out",
            "o",
            "sign_out",
            N_("sign out"),
            N_("Sign out once every item is confirmed or flagged"),
            "handover",
        ),
        ScreenAction(
            "rota.add",
            "a",
            "add",
            N_("add shift"),
            N_("Put a staff member on a shift"),
            "rota.manage",
        ),
        ScreenAction(
            "rota.search",
            "slash",
            "search",
            N_("search"),
            N_("Search past handovers"),
            show=False,
        ),
    )

    DEFAULT_CSS = """
    RotaScreen {
        & .pane-title { text-style: bold; padding: 0 1; width: 100%; }
        & #reminder { background: $error; color: $text; text-style: bold; padding: 0 1; }
        & #shifts { height: auto; max-height: 6; }
        & #items { height: 1fr; }
        & #history { height: auto; max-height: 6; }
        & DataTable { background: $surface; }
    }
    """

    def __init__(self, context: ConsoleContext) -> None:
        super().__init__(context, name="rota")
        self.data: RotaData | None = None
        self.search_text = ""
        self._stale = False

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.context)
        with Vertical(id="body"):
            yield Label("", id="rota-title", classes="pane-title", markup=False)
            yield DataTable(id="shifts", cursor_type="row")
            yield Label("", id="reminder", markup=False)
            yield Label("", id="handover-title", classes="pane-title", markup=False)
            yield DataTable(id="items", cursor_type="row")
            yield Label("", id="history-title", classes="pane-title", markup=False)
            yield DataTable(id="history", cursor_type="row")
        yield ConsoleFooter(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#shifts", DataTable).add_columns(
            _("from"), _("to"), _("staff"), _("role"), _("now")
        )
        # The answer's note before the item: item texts are long, notes short.
        self.query_one("#items", DataTable).add_columns("#", _("state"), _("note"), _("item"))
        self.query_one("#history", DataTable).add_columns(
            "#", _("time"), _("from"), _("to"), _("state"), _("notes")
        )
        self.watch(self.app, "data_generation", self._data_changed, init=False)
        self.reload()
        self.query_one("#items", DataTable).focus()

    def _data_changed(self, _generation: int) -> None:
        if self.is_current:
            self.reload()
        else:
            self._stale = True

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self.reload()

    # -- reading and showing ------------------------------------------------------------------

    def read(self) -> RotaData:
        ctx = self.context
        now = ctx.now()
        day = now.astimezone(ctx.tz).date()
        remind = ctx.rt.settings.rota.remind_before_min
        with ctx.rt.db.read() as session:
            shifts = rota.shifts_between(
                session, now - timedelta(hours=12), now + timedelta(hours=24)
            )
            ending = rota.ending_soon(session, now, remind)
            mine = handover.open_handover(session, ctx.actor.staff_id)
            items = handover.items_of(session, mine.id) if mine and mine.id else []
            history = handover.search(session, self.search_text, limit=10)
        return RotaData(day, shifts, ending, mine, items, history)

    def _time(self, at: object) -> str:
        from datetime import datetime

        assert isinstance(at, datetime)
        return at.astimezone(self.context.tz).strftime("%m-%d %H:%M")

    def reload(self) -> None:
        self.data = data = self.read()
        ctx = self.context
        now = ctx.now()
        patterns = ", ".join(f"{p.start}-{p.end}" for p in ctx.rt.settings.rota.shifts)
        on_duty = [s.name for s in data.shifts if s.on_at(now)]
        self.query_one("#rota-title", Label).update(
            _("Rota ({patterns}); on duty now: {names}").format(
                patterns=patterns, names=", ".join(on_duty) or _("nobody")
            )
        )
        shifts = self.query_one("#shifts", DataTable)
        shifts.clear()
        for s in data.shifts:
            if s.signed_out_at is not None:
                state: object = _("signed out {at}").format(at=self._time(s.signed_out_at)[-5:])
            elif s.on_at(now):
                state = Text(_("on duty"), style="bold")
            else:
                state = ""
            shifts.add_row(
                self._time(s.starts_at),
                self._time(s.ends_at),
                f"{s.staff_id} {s.name}",
                role_label(s.role),
                state,
            )
        reminder = self.query_one("#reminder", Label)
        if data.ending:
            first = data.ending[0]
            minutes = max(0, int((first.ends_at - now).total_seconds() // 60))
            reminder.update(
                _("{name}'s shift ends in {minutes} min: time to hand over.").format(
                    name=first.name, minutes=minutes
                )
            )
            reminder.display = True
        else:
            reminder.display = False

        items = self.query_one("#items", DataTable)
        row_at = items.cursor_row
        items.clear()
        h = data.open
        if h is None:
            self.query_one("#handover-title", Label).update(_("No handover open for you."))
        else:
            answered = sum(1 for i in data.items if i.state != "pending")
            self.query_one("#handover-title", Label).update(
                _("Handover {id}: {from_id} to {to_id}, {answered}/{total} answered").format(
                    id=h.id,
                    from_id=h.from_staff_id,
                    to_id=h.to_staff_id,
                    answered=answered,
                    total=len(data.items),
                )
            )
            lang = language()
            for i in data.items:
                style = "bold reverse" if i.state == "pending" else ""
                items.add_row(
                    str(i.n),
                    Text(_(ITEM_STATES[i.state]), style=style),
                    i.answer_note,
                    handover.item_text(i, _, lang),
                    key=str(i.n),
                )
            if data.items:
                items.move_cursor(row=min(row_at, len(data.items) - 1))

        title = _("Past handovers")
        if self.search_text:
            title += "  " + _("matching: {text}").format(text=self.search_text)
        self.query_one("#history-title", Label).update(title)
        history = self.query_one("#history", DataTable)
        history.clear()
        for past in data.history:
            history.add_row(
                str(past.id),
                self._time(past.at),
                past.from_staff_id,
                past.to_staff_id,
                _("signed out") if past.state == "signed_out" else _("open"),
                past.notes[:40],
            )
        self.refresh_bindings()

    # -- what may run now -----------------------------------------------------------------

    def available(self, action: str) -> bool:
        data = self.data
        me = self.context.actor.staff_id
        if action == "handover":
            return data is None or data.open is None
        if data is None or data.open is None:
            return action not in ("confirm", "flag", "sign_out")
        if action in ("confirm", "flag"):
            return data.open.to_staff_id == me and bool(data.items)
        if action == "sign_out":
            return data.open.from_staff_id == me and all(i.state != "pending" for i in data.items)
        return True

    # -- actions --------------------------------------------------------------------------

    def _open(self, title: str, fields: list[FormField], action: object) -> None:
        def done(recorded: Recorded | None) -> None:
            if recorded is not None:
                self.notify(recorded.message, markup=False)
                nudge(self)
                self.reload()

        self.app.push_screen(QuickForm(self.context, title, fields, action), done)  # type: ignore[arg-type]

    def _chosen_item(self) -> int | None:
        table = self.query_one("#items", DataTable)
        if table.row_count == 0:
            return None
        return int(str(table.get_row_at(table.cursor_row)[0]))

    class Answered(Message):
        """A one-key write (confirm, sign out) finished: what to say, and whether it failed."""

        def __init__(self, text: str, failed: bool) -> None:
            super().__init__()
            self.text = text
            self.failed = failed

    @work(thread=True, group="rota-write")
    def _write_now(self, write: Callable[[Session], str]) -> None:
        """A one-key write in a worker; its refusal comes back as a notice, in this language."""
        try:
            with self.context.rt.db.write() as session:
                text = write(session)
        except UserError as exc:
            self.post_message(self.Answered(translate_error(exc), True))
        except Exception as exc:  # a full disk, a long write elsewhere: said, never a crash
            self.post_message(self.Answered(nothing_recorded(exc, self.context.rt.db.path), True))
        else:
            self.post_message(self.Answered(text, False))

    @on(Answered)
    def _answered(self, message: Answered) -> None:
        self.notify(
            message.text, severity="error" if message.failed else "information", markup=False
        )
        if not message.failed:
            nudge(self)
            self.reload()

    def action_handover(self) -> None:
        ctx = self.context

        def start(session: Session, v: dict[str, str]) -> Recorded:
            h = handover.start(
                session,
                ctx.actor,
                v["to"],
                notes=v["notes"],
                tz=ctx.tz,
                recheck_within_s=ctx.rules.recheck_within_s,
                clock=ctx.clock,
            )
            return Recorded(_("Handover {id} started.").format(id=h.id))

        self._open(
            _("Hand over (built from what is open now)"),
            [
                FormField("to", _("Who takes over (staff id)"), required=True),
                FormField("notes", _("Your notes for them")),
            ],
            start,
        )

    def action_confirm(self) -> None:
        n = self._chosen_item()
        data = self.data
        if n is None or data is None or data.open is None:
            return
        hid = data.open.id
        ctx = self.context

        def confirm(session: Session) -> str:
            handover.answer(session, ctx.actor, hid, n, clock=ctx.clock)  # type: ignore[arg-type]
            return _("Item {n} confirmed.").format(n=n)

        self._write_now(confirm)

    def action_flag(self) -> None:
        n = self._chosen_item()
        data = self.data
        if n is None or data is None or data.open is None:
            return
        hid = data.open.id
        ctx = self.context

        def flag(session: Session, v: dict[str, str]) -> Recorded:
            handover.answer(
                session,
                ctx.actor,
                hid,  # type: ignore[arg-type]
                n,
                flag=True,
                note=v["note"],
                clock=ctx.clock,
            )
            return Recorded(_("Item {n} flagged.").format(n=n))

        self._open(
            _("Flag item {n}").format(n=n),
            [FormField("note", _("What is wrong"), required=True)],
            flag,
        )

    def action_sign_out(self) -> None:
        data = self.data
        if data is None or data.open is None:
            return
        hid = data.open.id
        ctx = self.context

        def sign_out(session: Session) -> str:
            handover.sign_out(session, ctx.actor, hid, clock=ctx.clock)  # type: ignore[arg-type]
            return _("Signed out; the shift is handed over.")

        self._write_now(sign_out)

    def action_add(self) -> None:
        ctx = self.context
        today = ctx.now().astimezone(ctx.tz).date().isoformat()

        def add(session: Session, v: dict[str, str]) -> Recorded:
            pattern = rota.find_pattern(ctx.rt.settings.rota.shifts, v["shift"])
            try:
                day = date.fromisoformat(v["date"])
            except ValueError:
                day = ctx.now().astimezone(ctx.tz).date()
            start, end = rota.shift_window(day, pattern, ctx.tz)
            rota.add_shift(session, ctx.actor, v["staff"], start, end, tz=ctx.tz, clock=ctx.clock)
            return Recorded(_("{staff} is on the rota.").format(staff=v["staff"]))

        self._open(
            _("Put a staff member on a shift"),
            [
                FormField("staff", _("Staff id"), required=True),
                FormField(
                    "shift",
                    _("Shift ({names})").format(
                        names=", ".join(p.name for p in ctx.rt.settings.rota.shifts)
                    ),
                    ctx.rt.settings.rota.shifts[0].name,
                    required=True,
                ),
                FormField("date", _("Day it starts (YYYY-MM-DD)"), today, required=True),
            ],
            add,
        )

    def action_search(self) -> None:
        def search(session: Session, v: dict[str, str]) -> Recorded:
            return Recorded(v["text"])

        def done(recorded: Recorded | None) -> None:
            if recorded is not None:
                self.search_text = recorded.message
                self.reload()

        fields = [
            FormField("text", _("A staff id, a person id, words of the notes"), self.search_text)
        ]
        form = QuickForm(self.context, _("Search past handovers"), fields, search, writes=False)
        self.app.push_screen(form, done)
