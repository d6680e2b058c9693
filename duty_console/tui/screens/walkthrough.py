"""One incident, step by step: the chosen step large, who should do it and the time left; do it
(its required fields), skip it (a reason), a note, acknowledge an overdue step, a room, close.

The steps list puts the signed-in role's open steps first (a doctor sees the doctor's steps
first); the timeline shows everything that happened, with who. Read in a worker, written by
the forms' workers; the countdown ticks every second from the injected clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len
from rich.text import Text
from sqlmodel import Session, select
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Label, Static

from duty_console.db.models import Incident, Person
from duty_console.domain import rooms, walkthrough
from duty_console.domain.pinyin import mask_name
from duty_console.i18n import N_, _, language, plain
from duty_console.reports.incident import render, say
from duty_console.tui import text
from duty_console.tui.actions import ActionScreen, ScreenAction, nudge
from duty_console.tui.context import ConsoleContext
from duty_console.tui.widgets.footer import ConsoleFooter
from duty_console.tui.widgets.form import Recorded
from duty_console.tui.widgets.header import ConsoleHeader
from duty_console.tui.widgets.step_form import FormField, StepForm

TITLE_CELLS = 40  # the steps list's titles; the chosen step shows its whole title above
STATE_MARK = {"done": "v", "skipped": "-", "overdue": "!", "open": " "}
STATE_WORDS = (N_("done"), N_("skipped"), N_("overdue"), N_("open"), N_("closed"))


@dataclass(frozen=True)
class Walk:
    incident: Incident
    person: str  # masked name and class
    playbook_title: str
    steps: list[walkthrough.StepView]
    timeline: list[tuple[str, str, str]]  # time, who, what (translated)
    room: str
    in_room: bool
    score: walkthrough.DrillScore | None


def read_walk(session: Session, incident_id: int, role: str, context: ConsoleContext) -> Walk:
    incident = walkthrough.get_incident(session, incident_id)
    session.expunge(incident)
    now = context.now()
    tz = context.tz
    person = ""
    if incident.person_id:
        p = session.exec(select(Person).where(Person.person_id == incident.person_id)).first()
        if p is not None:
            person = f"{mask_name(p.name)} {p.class_name}".strip()
    playbook = walkthrough.playbook_of(session, incident)
    zh = language() == "zh_CN"
    title = "" if playbook is None else (playbook.title_zh if zh else playbook.title_en)
    views = walkthrough.for_role(walkthrough.steps(session, incident, now), role)
    lines = [
        (item.at.astimezone(tz).strftime("%H:%M"), item.who, render(item))
        for item in walkthrough.timeline(session, incident)
    ]
    stay = walkthrough.room_of(session, incident_id)
    room = ""
    if stay is not None:
        room = stay.room_code if stay.left_at is None else f"{stay.room_code} ({_('left')})"
    score = walkthrough.score(session, incident) if incident.drill else None
    in_room = stay is not None and stay.left_at is None
    return Walk(incident, person, title, views, lines, room, in_room, score)


class WalkthroughScreen(ActionScreen):
    AREA = N_("walkthrough")
    ACTIONS = (
        ScreenAction(
            "walk.do",
            "d",
            "do",
            N_("done"),
            N_("Sign the chosen step off as done, with its fields"),
            "incident.step",
        ),
        ScreenAction(
            "walk.skip",
            "s",
            "skip",
            N_("skip"),
            N_("Skip the chosen step, with a reason"),
            "incident.step",
        ),
        ScreenAction(
            "walk.note",
            "n",
            "note",
            N_("note"),
            N_("Add a note to the timeline"),
            "incident.step",
        ),
        ScreenAction(
            "walk.ack",
            "a",
            "ack",
            N_("acknowledge"),
            N_("Acknowledge the overdue step (stops its alert)"),
            "incident.step",
        ),
        ScreenAction(
            "walk.room",
            "r",
            "room",
            N_("room"),
            N_("Admit the person to the first ready isolation room"),
            "room.manage",
        ),
        ScreenAction(
            "walk.close",
            "c",
            "close",
            N_("close"),
            N_("Close the incident (every step done or skipped)"),
            "incident.close",
        ),
        ScreenAction(
            "walk.back", "escape", "back", N_("back"), N_("Back to the incidents"), palette=False
        ),
    )

    DEFAULT_CSS = """
    WalkthroughScreen { layout: vertical; }
    WalkthroughScreen #walk-title { width: 100%; height: 1; padding: 0 1; background: $boost; }
    WalkthroughScreen #current { width: 100%; height: auto; padding: 1 2; background: $panel; }
    WalkthroughScreen #step-title { text-style: bold; width: 100%; }
    WalkthroughScreen #step-who { width: 100%; }
    WalkthroughScreen #step-time { width: 100%; text-style: bold; }
    WalkthroughScreen #step-detail { width: 100%; color: $text-muted; }
    WalkthroughScreen #lower { height: 1fr; }
    WalkthroughScreen #steps { width: 3fr; height: 100%; }
    WalkthroughScreen #timeline { width: 2fr; height: 100%; background: $surface; padding: 0 1; }
    """

    class Read(Message):
        def __init__(self, walk: Walk) -> None:
            super().__init__()
            self.walk = walk

    def __init__(self, context: ConsoleContext, incident_id: int) -> None:
        super().__init__(context, name=f"incident-{incident_id}")
        self.incident_id = incident_id
        self.walk: Walk | None = None

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.context)
        yield Label("", id="walk-title", markup=False)
        with Vertical(id="current"):
            yield Label("", id="step-title", markup=False)
            yield Label("", id="step-who", markup=False)
            yield Label("", id="step-time", markup=False)
            yield Label("", id="step-detail", markup=False)
        with Horizontal(id="lower"):
            yield DataTable(id="steps", cursor_type="row")
            with VerticalScroll(id="timeline"):
                yield Static("", id="timeline-text", markup=False)
        yield ConsoleFooter(show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("", _("No."), _("Due"), _("Role"), _("Step"))
        self.watch(self.app, "data_generation", self._data_changed, init=False)
        self.set_interval(1.0, self._tick)
        table.focus()
        self.reload()

    def _data_changed(self, _generation: int) -> None:
        if self.is_current:
            self.reload()

    @work(thread=True, exclusive=True, group="walk-read")
    def reload(self) -> None:
        with self.context.rt.db.read() as session:
            walk = read_walk(session, self.incident_id, self.context.actor.role, self.context)
        self.post_message(self.Read(walk))

    @on(Read)
    def _read(self, message: Read) -> None:
        first = self.walk is None
        self.walk = walk = message.walk
        inc = walk.incident
        zh = language() == "zh_CN"
        parts = [_("Incident {id}").format(id=inc.id), walk.playbook_title]
        if inc.drill:
            parts.insert(0, _("(DRILL)"))
        if walk.person:
            parts.append(walk.person)
        if walk.room:
            parts.append(_("room {room}").format(room=walk.room))
        if inc.state == "closed":
            parts.append(_("closed"))
        self.query_one("#walk-title", Label).update("  ".join(parts))
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for v in walk.steps:
            style = {"overdue": "bold red", "done": "dim", "skipped": "dim"}.get(v.state, "")
            due = _when(v.row.due_at, self.context)
            title = Text(_shorten(plain(v.row.title_zh if zh else v.row.title_en)), style=style)
            table.add_row(
                Text(STATE_MARK[v.state], style=style),
                Text(str(v.n), style=style),
                Text(due, style=style),
                Text(text.role_label(v.owner_role), style=style),
                title,
                key=str(v.n),
            )
        if first:
            row = 0  # for_role put the signed-in role's first open step on top
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))
        lines = [f"{at}  {who}  {what}" for at, who, what in walk.timeline]
        if walk.score is not None and inc.state == "closed":
            sc = walk.score
            lines.append("")
            lines.append(
                say(
                    N_("Score: {percent}% of the timed steps on time ({on_time} of {timed})."),
                    {"percent": sc.percent, "on_time": sc.on_time, "timed": len(sc.timed)},
                )
            )
        self.query_one("#timeline-text", Static).update("\n".join(lines))
        self._show_step()
        self.refresh_bindings()

    @property
    def selected(self) -> walkthrough.StepView | None:
        if self.walk is None or not self.walk.steps:
            return None
        index = self.query_one(DataTable).cursor_row
        if 0 <= index < len(self.walk.steps):
            return self.walk.steps[index]
        return None

    @on(DataTable.RowHighlighted)
    def _moved(self, _event: DataTable.RowHighlighted) -> None:
        self._show_step()
        self.refresh_bindings()

    def _show_step(self) -> None:
        step = self.selected
        zh = language() == "zh_CN"
        if step is None:
            return
        title = plain(step.row.title_zh if zh else step.row.title_en)
        total = len(self.walk.steps) if self.walk else 0
        self.query_one("#step-title", Label).update(
            _("Step {n} of {total}: {title}").format(n=step.n, total=total, title=title)
        )
        who = step.actor_zh if zh else step.actor_en
        role = text.role_label(step.owner_role)
        line = _("Who: {who} ({role})").format(who=who, role=role)
        if step.row.escalated_to_role:
            line += "  " + _("escalated to {role}").format(role=role)
        limit = step.limit_text_zh if zh else step.limit_text_en
        if limit:
            line += "  " + _("limit: {limit}").format(limit=plain(limit))
        self.query_one("#step-who", Label).update(line)
        needs = [_(walkthrough.STEP_FIELDS[k].label) for k in step.fields]
        detail = plain(step.detail_zh if zh else step.detail_en)
        if needs and not step.finished:
            detail = _("Needs: {fields}").format(fields=", ".join(needs)) + "\n" + detail
        if step.skippable and not step.finished:
            detail += "\n" + _("May be skipped, with a reason.")
        self.query_one("#step-detail", Label).update(detail)
        self._tick()

    def _tick(self) -> None:
        step = self.selected
        label = self.query_one("#step-time", Label)
        if step is None:
            return
        row = step.row
        if step.state == "done":
            done = row.done_at.astimezone(self.context.tz).strftime("%H:%M") if row.done_at else ""
            label.update(_("Done {time} by {who}").format(time=done, who=row.done_by))
        elif step.state == "skipped":
            label.update(_("Skipped: {reason}").format(reason=row.skip_reason))
        elif row.due_at is None:
            label.update(_("No deadline yet"))
        else:
            left = (row.due_at - self.context.now()).total_seconds()
            if left >= 0:
                label.update(_("Time left: {time}").format(time=text.countdown(left)))
            else:
                label.update(_("OVERDUE by {time}").format(time=text.countdown(-left)))

    def available(self, action: str) -> bool:
        walk = self.walk
        step = self.selected
        if walk is None:
            return action == "back"
        if walk.incident.state != "open":
            return action == "back"
        if action in ("do", "skip"):
            ok = step is not None and not step.finished
            return ok and (action == "do" or bool(step and step.skippable))
        if action == "ack":
            return step is not None and step.state == "overdue" and step.row.acknowledged_at is None
        if action == "room":
            return bool(walk.incident.person_id) and not walk.in_room
        if action == "close":
            return all(s.finished for s in walk.steps)
        return True

    def _done(self, recorded: Recorded | None) -> None:
        if recorded is not None:
            self.notify(recorded.message, markup=False)
            nudge(self)
            self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_do(self) -> None:
        step = self.selected
        if step is None:
            return
        context = self.context
        incident_id = self.incident_id
        n = step.n
        fields = [FormField(k, _(walkthrough.STEP_FIELDS[k].label), "", True) for k in step.fields]
        fields.append(FormField("note", _("Note"), "", step.requires_note and not step.fields))

        def do(session: Session, _choice: str | None, values: dict[str, str]) -> Recorded:
            note = values.pop("note", "")
            walkthrough.do_step(
                session,
                context.actor,
                incident_id,
                n,
                fields=values,
                note=note,
                clock=context.clock,
            )
            return Recorded(_("Step {n} done.").format(n=n))

        zh = language() == "zh_CN"
        self.app.push_screen(
            StepForm(
                context,
                _("Step {n}: {title}").format(
                    n=n, title=plain(step.row.title_zh if zh else step.row.title_en)
                ),
                do,
                fields=fields,
            ),
            self._done,
        )

    def action_skip(self) -> None:
        step = self.selected
        if step is None:
            return
        context = self.context
        incident_id = self.incident_id
        n = step.n

        def skip(session: Session, _choice: str | None, values: dict[str, str]) -> Recorded:
            walkthrough.skip_step(
                session, context.actor, incident_id, n, reason=values["reason"], clock=context.clock
            )
            return Recorded(_("Step {n} skipped.").format(n=n))

        self.app.push_screen(
            StepForm(
                context,
                _("Skip step {n}").format(n=n),
                skip,
                fields=[FormField("reason", _("Reason"), "", True)],
            ),
            self._done,
        )

    def action_note(self) -> None:
        context = self.context
        incident_id = self.incident_id
        step = self.selected

        def note(session: Session, _choice: str | None, values: dict[str, str]) -> Recorded:
            walkthrough.add_note(
                session,
                context.actor,
                incident_id,
                values["text"],
                step_n=step.n if step else None,
                clock=context.clock,
            )
            return Recorded(_("Note added."))

        self.app.push_screen(
            StepForm(
                context,
                _("Note"),
                note,
                fields=[FormField("text", _("Note"), "", True)],
            ),
            self._done,
        )

    def action_ack(self) -> None:
        step = self.selected
        if step is None:
            return
        context = self.context
        incident_id = self.incident_id
        n = step.n

        def ack(session: Session, _choice: str | None, _values: dict[str, str]) -> Recorded:
            walkthrough.acknowledge(session, context.actor, incident_id, n, clock=context.clock)
            return Recorded(_("Step {n} acknowledged.").format(n=n))

        self.app.push_screen(
            StepForm(context, _("Acknowledge step {n}").format(n=n), ack), self._done
        )

    def action_room(self) -> None:
        context = self.context
        incident_id = self.incident_id

        def admit(session: Session, _choice: str | None, values: dict[str, str]) -> Recorded:
            stay = rooms.admit(
                session,
                context.actor,
                None,
                incident_id=incident_id,
                reason=values.get("reason", ""),
                illness=_illness(_choice),
                clock=context.clock,
            )
            return Recorded(_("Admitted to room {room}.").format(room=stay.room_code))

        self.app.push_screen(
            StepForm(
                context,
                _("Admit to an isolation room"),
                admit,
                choices=[(i, _(i)) for i in rooms.ILLNESSES],
                choice_label=_("Illness type"),
                fields=[FormField("reason", _("Reason"), _("fever confirmed at the gate"))],
            ),
            self._done,
        )

    def action_close(self) -> None:
        context = self.context
        incident_id = self.incident_id

        def close(session: Session, _choice: str | None, values: dict[str, str]) -> Recorded:
            incident = walkthrough.close_incident(
                session,
                context.actor,
                incident_id,
                note=values.get("note", ""),
                clock=context.clock,
            )
            message = _("Incident {id} closed.").format(id=incident_id)
            if incident.drill:
                sc = walkthrough.score(session, incident)
                message += " " + say(
                    N_("Score: {percent}% of the timed steps on time ({on_time} of {timed})."),
                    {"percent": sc.percent, "on_time": sc.on_time, "timed": len(sc.timed)},
                )
            return Recorded(message)

        self.app.push_screen(
            StepForm(
                context,
                _("Close incident {id}").format(id=incident_id),
                close,
                fields=[FormField("note", _("Note"))],
            ),
            self._done,
        )


def _illness(choice: str | None) -> str | None:
    return choice if choice in rooms.ILLNESSES else None


def _shorten(title: str) -> str:
    """At most TITLE_CELLS terminal cells, ending in '...' (the ellipsis glyph misaligns)."""
    if cell_len(title) <= TITLE_CELLS:
        return title
    out = ""
    for ch in title:
        if cell_len(out + ch) > TITLE_CELLS - 3:
            break
        out += ch
    return out + "..."


def _when(at: datetime | None, context: ConsoleContext) -> str:
    """HH:MM today, MM-DD HH:MM another day (a daily step is due tomorrow)."""
    if at is None:
        return ""
    local = at.astimezone(context.tz)
    if local.date() == context.now().astimezone(context.tz).date():
        return local.strftime("%H:%M")
    return local.strftime("%m-%d %H:%M")
