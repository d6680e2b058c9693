"""``:checks``: this session's class checks (晨午检) and which classes have not reported, the
illness absences being followed up, and the people under watch not checked today.

Names are masked (张*明); the screen re-reads when the database changes (``data_generation``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.cells import set_cell_size
from rich.text import Text
from sqlmodel import Session
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Label

from duty_console.domain import absences, checks, watch
from duty_console.domain.pinyin import mask_name
from duty_console.i18n import N_, _
from duty_console.tui.actions import ActionScreen, ScreenAction, nudge
from duty_console.tui.context import ConsoleContext
from duty_console.tui.widgets.footer import ConsoleFooter
from duty_console.tui.widgets.form import Recorded
from duty_console.tui.widgets.header import ConsoleHeader
from duty_console.tui.widgets.quick_form import FormField, QuickForm, number

SESSION_LABELS = {"morning": N_("morning check"), "noon": N_("noon check")}
WATCH_LABELS = {"ok": N_("ok"), "symptoms": N_("symptoms"), "absent": N_("absent")}


@dataclass(frozen=True)
class ChecksData:
    day: date
    session: str
    board: list[checks.ClassBoardRow]
    absences: list[absences.AbsenceRow]
    watch: list[watch.WatchRow]


def symptom_labels(keys: tuple[str, ...]) -> str:
    return ", ".join(_(absences.SYMPTOMS.get(k, k)) for k in keys) or "-"


class ChecksScreen(ActionScreen):
    AREA = N_("checks")
    ACTIONS = (
        ScreenAction(
            "checks.record",
            "c",
            "record",
            N_("check"),
            N_("Record the chosen class's check"),
            "check.record",
        ),
        ScreenAction(
            "checks.absence",
            "a",
            "absence",
            N_("absence"),
            N_("Record an absence to follow up"),
            "absence.record",
        ),
        ScreenAction(
            "checks.follow",
            "f",
            "follow",
            N_("follow up"),
            N_("Record today's follow-up of an absence"),
            "absence.record",
        ),
        ScreenAction(
            "checks.watch",
            "w",
            "watch_check",
            N_("watch check"),
            N_("Record today's check of a person under watch"),
            "watch.check",
        ),
        ScreenAction(
            "checks.return",
            "b",
            "back",
            N_("back at school"),
            N_("A student back from illness: check the fit-to-return note"),
            "absence.return",
        ),
        ScreenAction(
            "checks.watch_add",
            "n",
            "watch_add",
            N_("watch"),
            N_("Put a person under daily watch"),
            "watch.add",
            show=False,
        ),
        ScreenAction(
            "checks.session",
            "s",
            "switch_session",
            N_("session"),
            N_("Switch between the morning and the noon check"),
            show=False,
        ),
    )

    DEFAULT_CSS = """
    ChecksScreen {
        & .pane-title { text-style: bold; padding: 0 1; width: 100%; }
        & .muted { color: $text-muted; padding: 0 1; }
        & #classes { height: 1fr; }
        & #absences { height: auto; max-height: 7; }
        & #watch { height: auto; max-height: 7; }
        & DataTable { background: $surface; }
    }
    """

    def __init__(self, context: ConsoleContext) -> None:
        super().__init__(context, name="checks")
        self.day, self.session_name = checks.current_session(context.now(), context.tz)
        self.chosen_session: str | None = None
        self.data: ChecksData | None = None
        self._stale = False

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.context)
        with Vertical(id="body"):
            yield Label("", id="checks-title", classes="pane-title", markup=False)
            yield DataTable(id="classes", cursor_type="row", zebra_stripes=True)
            yield Label("", id="absences-title", classes="pane-title", markup=False)
            yield DataTable(id="absences", cursor_type="row")
            yield Label("", id="watch-title", classes="pane-title", markup=False)
            yield DataTable(id="watch", cursor_type="row")
        yield ConsoleFooter(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#classes", DataTable).add_columns(
            _("class"), _("size"), _("present"), _("absent"), _("sick"), _("symptoms"), _("state")
        )
        self.query_one("#absences", DataTable).add_columns(
            _("person"), _("name"), _("class"), _("illness"), _("since"), _("today")
        )
        self.query_one("#watch", DataTable).add_columns(
            _("person"), _("name"), _("class"), _("category"), _("contact person"), _("today")
        )
        self.watch(self.app, "data_generation", self._data_changed, init=False)
        self.reload()
        self.query_one("#classes", DataTable).focus()

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

    def read(self) -> ChecksData:
        now = self.context.now()
        day, current = checks.current_session(now, self.context.tz)
        session_name = self.chosen_session or current
        with self.context.rt.db.read() as session:
            return ChecksData(
                day,
                session_name,
                checks.board(session, day, session_name),
                absences.open_absences(session, now, self.context.tz),
                watch.watch_list(session, now, self.context.tz),
            )

    def reload(self) -> None:
        self.data = data = self.read()
        tz = self.context.tz
        reported = sum(1 for r in data.board if r.reported)
        missing = [r.class_name for r in data.board if not r.reported]
        title = _("{session} {day}: {reported}/{due} classes reported").format(
            session=_(SESSION_LABELS[data.session]),
            day=data.day.strftime("%m-%d"),
            reported=reported,
            due=len(data.board),
        )
        if missing:
            title += "  " + _("not reported: {classes}").format(classes=", ".join(missing))
        self.query_one("#checks-title", Label).update(title)

        classes = self.query_one("#classes", DataTable)
        row_at = classes.cursor_row
        classes.clear()
        for r in data.board:
            c = r.check
            if c is None:
                state = Text(_("not reported"), style="bold reverse")
                cells: list[object] = [r.class_name, r.size, "", "", "", "", state]
            else:
                state = Text(
                    _("reported {at}").format(at=c.recorded_at.astimezone(tz).strftime("%H:%M"))
                )
                symptoms = Text(str(c.symptomatic), style="bold" if c.symptomatic else "")
                cells = [r.class_name, r.size, c.present, c.absent, c.absent_sick, symptoms, state]
            classes.add_row(*cells, key=r.class_name)
        if data.board:
            classes.move_cursor(row=min(row_at, len(data.board) - 1))

        pending = sum(1 for a in data.absences if not a.followed_up_today)
        self.query_one("#absences-title", Label).update(
            _("Absences followed up: {n}, not yet today: {pending}").format(
                n=len(data.absences), pending=pending
            )
        )
        table = self.query_one("#absences", DataTable)
        table.clear()
        for a in data.absences:
            today = (
                _(absences.FOLLOW_UP_STATUSES.get(a.last_status, a.last_status))
                if a.followed_up_today
                else Text(_("not followed up"), style="bold reverse")
            )
            reason = symptom_labels(a.symptoms) if a.reason == "sick" else _("other")
            table.add_row(
                a.person_id,
                mask_name(a.name),
                a.class_name,
                reason,
                a.started_at.astimezone(tz).strftime("%m-%d"),
                today,
                key=a.person_id,
            )

        unchecked = sum(1 for w in data.watch if not w.checked_today)
        self.query_one("#watch-title", Label).update(
            _("Under watch: {n}, not checked today: {unchecked}").format(
                n=len(data.watch), unchecked=unchecked
            )
        )
        table = self.query_one("#watch", DataTable)
        table.clear()
        lang_zh = _("gate") != "gate"
        for w in data.watch:
            status = (
                _(WATCH_LABELS.get(w.last_status, w.last_status))
                if w.checked_today
                else Text(_("not checked"), style="bold reverse")
            )
            category = w.category_zh if lang_zh else w.category_en
            table.add_row(
                w.person_id,
                mask_name(w.name),
                w.class_name or "-",
                set_cell_size(category, 24).rstrip(),
                w.contact_name or w.contact_staff_id or "-",
                status,
                key=f"{w.watch_id}",
            )

    # -- actions --------------------------------------------------------------------------

    def _selected(self, table_id: str) -> str:
        table = self.query_one(f"#{table_id}", DataTable)
        if table.row_count == 0:
            return ""
        row = table.get_row_at(table.cursor_row)
        return str(row[0])

    def _open(self, title: str, fields: list[FormField], action: object) -> None:
        def done(recorded: Recorded | None) -> None:
            if recorded is not None:
                self.notify(recorded.message, markup=False)
                nudge(self)
                self.reload()

        self.app.push_screen(QuickForm(self.context, title, fields, action), done)  # type: ignore[arg-type]

    def action_switch_session(self) -> None:
        current = self.data.session if self.data else self.session_name
        self.chosen_session = "noon" if current == "morning" else "morning"
        self.reload()

    def action_record(self) -> None:
        class_name = self._selected("classes")
        data = self.data
        if not class_name or data is None:
            return
        ctx = self.context
        # A class already reported: the form shows its counts, and recording corrects them.
        existing = next((r.check for r in data.board if r.class_name == class_name), None)

        def was(attr: str, default: str = "0") -> str:
            return str(getattr(existing, attr)) if existing is not None else default

        def record(session: Session, v: dict[str, str]) -> Recorded:
            people = [p for p in v["people"].replace(",", " ").split() if p]
            checks.record_check(
                session,
                ctx.actor,
                class_name,
                data.session,
                present=number(v, "present"),
                absent=number(v, "absent"),
                absent_sick=number(v, "sick"),
                symptomatic=number(v, "symptoms"),
                symptomatic_people=people,
                day=data.day,
                clock=ctx.clock,
            )
            return Recorded(
                _("{class_name}: {session} recorded.").format(
                    class_name=class_name, session=_(SESSION_LABELS[data.session])
                )
            )

        self._open(
            _("{session}: {class_name}").format(
                session=_(SESSION_LABELS[data.session]), class_name=class_name
            ),
            [
                FormField("present", _("Present"), was("present", ""), required=True, number=True),
                FormField("absent", _("Absent"), was("absent"), number=True),
                FormField(
                    "sick", _("Of them absent through illness"), was("absent_sick"), number=True
                ),
                FormField("symptoms", _("Present with symptoms"), was("symptomatic"), number=True),
                FormField("people", _("Students with symptoms (ids, for follow-up)")),
            ],
            record,
        )

    def action_absence(self) -> None:
        ctx = self.context

        def record(session: Session, v: dict[str, str]) -> Recorded:
            absences.add_absence(
                session,
                ctx.actor,
                v["person"],
                v["reason"] or "sick",
                v["symptoms"],
                note=v["note"],
                clock=ctx.clock,
            )
            return Recorded(_("Absence of {person} recorded.").format(person=v["person"]))

        self._open(
            _("Absence to follow up"),
            [
                FormField("person", _("Person id"), required=True),
                FormField("reason", _("Reason (sick / other)"), "sick"),
                FormField("symptoms", _("Symptoms (fever, cough, sore_throat, ...)")),
                FormField("note", _("Note")),
            ],
            record,
        )

    def action_follow(self) -> None:
        ctx = self.context

        def record(session: Session, v: dict[str, str]) -> Recorded:
            absences.follow_up(
                session, ctx.actor, v["person"], v["status"], note=v["note"], clock=ctx.clock
            )
            return Recorded(_("Follow-up of {person} recorded.").format(person=v["person"]))

        self._open(
            _("Today's follow-up (family called)"),
            [
                FormField("person", _("Person id"), self._selected("absences"), required=True),
                FormField(
                    "status",
                    _("Status (at_home, seeing_doctor, in_hospital, recovered, unreachable)"),
                    "at_home",
                    required=True,
                ),
                FormField("note", _("Note")),
            ],
            record,
        )

    def action_back(self) -> None:
        ctx = self.context

        def record(session: Session, v: dict[str, str]) -> Recorded:
            absences.return_to_school(
                session, ctx.actor, v["person"], certificate=v["certificate"], clock=ctx.clock
            )
            return Recorded(_("{person} is back at school.").format(person=v["person"]))

        self._open(
            _("Back at school: fit-to-return note"),
            [
                FormField("person", _("Person id"), self._selected("absences"), required=True),
                FormField("certificate", _("Note's reference"), required=True),
            ],
            record,
        )

    def action_watch_check(self) -> None:
        ctx = self.context
        person = ""
        data = self.data
        key = self._selected("watch")
        if key and data is not None:
            person = key

        def record(session: Session, v: dict[str, str]) -> Recorded:
            watch.record_check(
                session, ctx.actor, v["person"], v["status"], note=v["note"], clock=ctx.clock
            )
            return Recorded(_("Check of {person} recorded.").format(person=v["person"]))

        self._open(
            _("Today's check of a person under watch"),
            [
                FormField("person", _("Person id"), person, required=True),
                FormField("status", _("Result (ok / symptoms / absent)"), "ok", required=True),
                FormField("note", _("Note")),
            ],
            record,
        )

    def action_watch_add(self) -> None:
        ctx = self.context

        def record(session: Session, v: dict[str, str]) -> Recorded:
            watch.add_watch(
                session, ctx.actor, v["person"], v["category"], v["contact"], clock=ctx.clock
            )
            return Recorded(_("{person} is under watch.").format(person=v["person"]))

        self._open(
            _("Put a person under daily watch"),
            [
                FormField("person", _("Person id"), required=True),
                FormField("category", _("Category key"), "abnormal_check", required=True),
                FormField("contact", _("Contact (staff id)"), ctx.actor.staff_id, required=True),
            ],
            record,
        )
