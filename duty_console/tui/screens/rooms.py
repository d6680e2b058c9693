"""`:rooms`: the isolation board. Each room, its state, who is in it (masked) and since when;
admit, release with a disposition, record the after-use disinfection, go to the incident.

The board is read in a worker and posted as a message; the forms write in their own workers.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from sqlmodel import Session, col, select
from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable, Label

from duty_console.db.models import Incident, Person
from duty_console.domain import rooms, timers
from duty_console.domain.pinyin import mask_name
from duty_console.errors import UserError
from duty_console.i18n import N_, _, language
from duty_console.tui.actions import ActionScreen, ScreenAction, nudge
from duty_console.tui.context import ConsoleContext
from duty_console.tui.screens.walkthrough import WalkthroughScreen
from duty_console.tui.widgets.footer import ConsoleFooter
from duty_console.tui.widgets.form import Recorded
from duty_console.tui.widgets.header import ConsoleHeader
from duty_console.tui.widgets.step_form import FormField, StepForm

STATE_STYLE = {"ready": "green", "occupied": "bold yellow", "needs_disinfection": "bold red"}


@dataclass(frozen=True)
class Candidate:
    """Someone who may need a room: an open incident's person not in a room yet."""

    incident_id: int
    person_id: str
    label: str


@dataclass(frozen=True)
class Board:
    rooms: list[rooms.RoomState]
    candidates: list[Candidate]
    guardians: dict[str, str]  # person_id -> guardian's name, to prefill a release


def read_board(session: Session) -> Board:
    states = rooms.list_rooms(session)
    inside = {o.person_id for r in states for o in r.occupants}
    candidates = []
    for inc, person in session.exec(
        select(Incident, Person)
        .join(Person, col(Person.person_id) == col(Incident.person_id))
        .where(Incident.state == "open")
        .order_by(col(Incident.id))
    ):
        if person.person_id in inside:
            continue
        drill = _("(DRILL)") + " " if inc.drill else ""
        label = f"{drill}#{inc.id}  {mask_name(person.name)}  {person.class_name}"
        candidates.append(Candidate(inc.id, person.person_id, label))  # type: ignore[arg-type]
    guardians = {
        p.person_id: p.guardian_name
        for p in session.exec(select(Person).where(col(Person.person_id).in_(inside)))
    }
    return Board(states, candidates, guardians)


class RoomsScreen(ActionScreen):
    AREA = N_("isolation rooms")
    ACTIONS = (
        ScreenAction(
            "rooms.admit",
            "a",
            "admit",
            N_("admit"),
            N_("Admit a person to the chosen room"),
            "room.manage",
        ),
        ScreenAction(
            "rooms.release",
            "l",
            "release",
            N_("release"),
            N_("Release the person in the chosen room, with the disposition"),
            "room.manage",
        ),
        ScreenAction(
            "rooms.disinfect",
            "x",
            "disinfect",
            N_("disinfected"),
            N_("Record the chosen room's after-use disinfection"),
            "hygiene.record",
        ),
        ScreenAction(
            "rooms.incident",
            "i",
            "incident",
            N_("incident"),
            N_("Open the incident of the person in the chosen room"),
        ),
    )

    DEFAULT_CSS = """
    RoomsScreen { layout: vertical; }
    RoomsScreen #rooms-title { width: 100%; height: 1; padding: 0 1; background: $boost; }
    RoomsScreen #board { height: 1fr; }
    """

    class Read(Message):
        def __init__(self, board: Board) -> None:
            super().__init__()
            self.board = board

    def __init__(self, context: ConsoleContext) -> None:
        super().__init__(context, name="rooms")
        self.board: Board | None = None

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.context)
        yield Label(_("Isolation rooms"), id="rooms-title", markup=False)
        yield DataTable(id="board", cursor_type="row", zebra_stripes=True)
        yield ConsoleFooter(show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(
            _("Room"), _("Illness type"), _("State"), _("In the room"), _("Since"), _("Incident")
        )
        self.watch(self.app, "data_generation", self._data_changed, init=False)
        table.focus()
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def _data_changed(self, _generation: int) -> None:
        if self.is_current:
            self.reload()

    @work(thread=True, exclusive=True, group="rooms-read")
    def reload(self) -> None:
        with self.context.rt.db.read() as session:
            board = read_board(session)
        self.post_message(self.Read(board))

    @on(Read)
    def _read(self, message: Read) -> None:
        self.board = message.board
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        tz = self.context.tz
        for r in message.board.rooms:
            name = r.name_zh if self.context_lang_zh else r.name_en
            who = ", ".join(mask_name(o.name) for o in r.occupants)
            since = ""
            if r.occupants:
                first = r.occupants[0]
                since = first.entered_at.astimezone(tz).strftime("%H:%M")
                if first.observe_until is not None:
                    until = first.observe_until.astimezone(tz).strftime("%m-%d %H:%M")
                    since += " " + _("observed until {time}").format(time=until)
            elif r.last_left_at is not None and r.state == "needs_disinfection":
                since = _("left {time}").format(
                    time=r.last_left_at.astimezone(tz).strftime("%H:%M")
                )
            incident = ", ".join(f"#{o.incident_id}" for o in r.occupants if o.incident_id)
            table.add_row(
                Text(name),
                Text(_(r.illness)),
                Text(_(r.state), style=STATE_STYLE.get(r.state, "")),
                Text(who or "-"),
                Text(since),
                Text(incident),
                key=r.code,
            )
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))
        self.refresh_bindings()

    @property
    def context_lang_zh(self) -> bool:
        from duty_console.i18n import language

        return language() == "zh_CN"

    @property
    def selected(self) -> rooms.RoomState | None:
        if self.board is None or not self.board.rooms:
            return None
        table = self.query_one(DataTable)
        index = table.cursor_row
        if 0 <= index < len(self.board.rooms):
            return self.board.rooms[index]
        return None

    @on(DataTable.RowHighlighted)
    def _moved(self, _event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()

    def available(self, action: str) -> bool:
        room = self.selected
        if room is None:
            return False
        if action == "admit":
            return room.state != "needs_disinfection" and room.free > 0
        if action == "release":
            return bool(room.occupants)
        if action == "disinfect":
            return room.state == "needs_disinfection"
        if action == "incident":
            return any(o.incident_id for o in room.occupants)
        return True

    def _done(self, recorded: Recorded | None) -> None:
        if recorded is not None:
            self.notify(recorded.message, markup=False)
            nudge(self)
            self.reload()

    def action_admit(self) -> None:
        room = self.selected
        if room is None or self.board is None:
            return
        context = self.context
        choices = [(f"incident:{c.incident_id}", c.label) for c in self.board.candidates]
        by_id = {f"incident:{c.incident_id}": c for c in self.board.candidates}
        fields = [
            FormField("reason", _("Reason"), _("fever confirmed at the gate")),
            FormField("observe", _("Observation period in hours (optional)")),
        ]
        if not choices:
            fields.insert(0, FormField("person", _("Student or staff number"), required=True))

        def admit(session: Session, choice: str | None, values: dict[str, str]) -> Recorded:
            candidate = by_id.get(choice or "")
            try:
                hours = float(values["observe"]) if values.get("observe") else None
            except ValueError:
                raise UserError(
                    N_("'{text}' is not a number of hours."), text=values["observe"]
                ) from None
            stay = rooms.admit(
                session,
                context.actor,
                room.code,
                person_id=values.get("person") or (candidate.person_id if candidate else None),
                incident_id=candidate.incident_id if candidate else None,
                reason=values.get("reason", ""),
                observe_hours=hours,
                clock=context.clock,
            )
            return Recorded(_("Admitted to room {room}.").format(room=stay.room_code))

        self.app.push_screen(
            StepForm(
                context,
                _("Admit to {room}").format(room=room.code),
                admit,
                fields=fields,
                choices=choices,
                choice_label=_("Open incidents without a room"),
            ),
            self._done,
        )

    def action_release(self) -> None:
        room = self.selected
        if room is None or not room.occupants or self.board is None:
            return
        occupant = room.occupants[0]
        context = self.context
        choices = [(d, _(d)) for d in rooms.DISPOSITIONS]
        guardian = self.board.guardians.get(occupant.person_id, "")

        def release(session: Session, choice: str | None, values: dict[str, str]) -> Recorded:
            rooms.release(
                session,
                context.actor,
                room.code,
                person_id=occupant.person_id,
                disposition=choice or "guardian",
                collected_by=values.get("who", "") if choice == "guardian" else "",
                note=values.get("note", ""),
                clock=context.clock,
            )
            return Recorded(
                _("Left room {room}; it needs its after-use disinfection.").format(room=room.code)
            )

        self.app.push_screen(
            StepForm(
                context,
                _("Release from {room}").format(room=room.code),
                release,
                choices=choices,
                choice_label=_("Disposition"),
                fields=[
                    FormField("who", _("Collected by (guardian)"), guardian),
                    FormField("note", _("Note")),
                ],
            ),
            self._done,
        )

    def action_disinfect(self) -> None:
        room = self.selected
        if room is None:
            return
        context = self.context

        def disinfect(session: Session, _choice: str | None, values: dict[str, str]) -> Recorded:
            rooms.disinfect_room(
                session,
                context.actor,
                room.code,
                agent=values["agent"],
                concentration=values["concentration"],
                clock=context.clock,
            )
            return Recorded(_("Room {room} disinfected; it is ready.").format(room=room.code))

        # The isolation area type's agent, and its range beside the concentration to type.
        table = timers.load_disinfectants()
        agent = table.agents.get(table.default_for("isolation"))
        name = (agent.name_zh if language() == "zh_CN" else agent.name_en) if agent else ""
        accepted = agent.range_text(*table.accepted("isolation", agent)) if agent else ""
        label = _("concentration")
        self.app.push_screen(
            StepForm(
                context,
                _("Disinfection of {room}").format(room=room.code),
                disinfect,
                fields=[
                    FormField("agent", _("disinfectant"), name, True),
                    FormField(
                        "concentration", f"{label} ({accepted})" if accepted else label, "", True
                    ),
                ],
            ),
            self._done,
        )

    def action_incident(self) -> None:
        room = self.selected
        if room is None:
            return
        ids = [o.incident_id for o in room.occupants if o.incident_id]
        if not ids:
            return
        self.app.push_screen(WalkthroughScreen(self.context, ids[0]))
