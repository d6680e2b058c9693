"""`:incidents`: open incidents and drills, their progress and next step; `enter` walks one
through. Clusters the rule proposes are offered to the officer here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from sqlmodel import Session, col, select
from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable, Label

from duty_console import simulated_gate
from duty_console.db.models import Person, Playbook
from duty_console.domain import clusters, rooms, walkthrough
from duty_console.domain.incidents import FEVER_AT_GATE, open_incident
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

SIMULATED = "simulated-fever"  # the drill choice that sends a fever through the simulator


def drill_person(session: Session) -> tuple[str, str]:
    """A student with a card for a drill's simulated fever (the first on the roster)."""
    person = session.exec(
        select(Person)
        .where(Person.kind == "student", col(Person.card_id).is_not(None))
        .order_by(col(Person.person_id))
    ).first()
    if person is None or not person.card_id:
        raise UserError(N_("A simulated fever needs a student with a card on the roster."))
    return person.person_id, person.card_id


@dataclass(frozen=True)
class IncidentList:
    incidents: list[dict[str, Any]]
    names: dict[str, str]  # person_id -> masked name and class
    proposals: list[clusters.ClusterProposal]
    playbooks: list[tuple[str, str]]  # key, title in the active language


def read_incidents(session: Session, now: Any, tz: Any) -> IncidentList:
    listed = walkthrough.incidents_status(session, now)
    ids = [i["person_id"] for i in listed if i["person_id"]]
    names = {
        p.person_id: f"{mask_name(p.name)} {p.class_name}".strip()
        for p in session.exec(select(Person).where(col(Person.person_id).in_(ids)))
    }
    zh = language() == "zh_CN"
    latest: dict[str, Playbook] = {}
    for pb in session.exec(select(Playbook).order_by(col(Playbook.version))):
        latest[pb.key] = pb
    playbooks = [(k, p.title_zh if zh else p.title_en) for k, p in sorted(latest.items())]
    return IncidentList(listed, names, clusters.proposals(session, now, tz), playbooks)


class IncidentsScreen(ActionScreen):
    AREA = N_("incidents")
    ACTIONS = (
        ScreenAction(
            "incidents.walk",
            "enter",
            "walk",
            N_("walk through"),
            N_("Walk through the chosen incident step by step"),
        ),
        ScreenAction(
            "incidents.drill",
            "n",
            "drill",
            N_("drill"),
            N_("Start a drill of a playbook (scored, never in reports)"),
            "incident.open",
        ),
        ScreenAction(
            "incidents.cluster",
            "c",
            "cluster",
            N_("cluster"),
            N_("Open a cluster incident the rule proposes"),
            "incident.cluster",
        ),
    )

    DEFAULT_CSS = """
    IncidentsScreen { layout: vertical; }
    IncidentsScreen #incidents-title { width: 100%; height: 1; padding: 0 1; background: $boost; }
    IncidentsScreen #proposals { width: 100%; height: auto; padding: 0 1; color: $text-warning; }
    IncidentsScreen #incidents { height: 1fr; }
    """

    class Read(Message):
        def __init__(self, listing: IncidentList) -> None:
            super().__init__()
            self.listing = listing

    def __init__(self, context: ConsoleContext) -> None:
        super().__init__(context, name="incidents")
        self.listing: IncidentList | None = None

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.context)
        yield Label(_("Open incidents and drills"), id="incidents-title", markup=False)
        yield Label("", id="proposals", markup=False)
        yield DataTable(id="incidents", cursor_type="row", zebra_stripes=True)
        yield ConsoleFooter(show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(
            _("No."), _("Playbook"), _("Person"), _("Room"), _("Steps"), _("Next step")
        )
        self.query_one("#proposals").display = False
        self.watch(self.app, "data_generation", self._data_changed, init=False)
        self.set_interval(30, self.reload)
        table.focus()
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def _data_changed(self, _generation: int) -> None:
        if self.is_current:
            self.reload()

    @work(thread=True, exclusive=True, group="incidents-read")
    def reload(self) -> None:
        with self.context.rt.db.read() as session:
            listing = read_incidents(session, self.context.now(), self.context.tz)
        self.post_message(self.Read(listing))

    @on(Read)
    def _read(self, message: Read) -> None:
        self.listing = listing = message.listing
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        title_key = "title_zh" if language() == "zh_CN" else "title"
        for i in listing.incidents:
            nxt = i["next_step"]
            overdue = i["overdue_steps"]
            playbook = dict(listing.playbooks).get(i["playbook"], i["playbook"])
            if i["drill"]:
                playbook = _("(DRILL)") + " " + playbook
            steps = f"{i['steps_done']}/{i['steps_total']}"
            style = "bold red" if overdue else ""
            if overdue:
                steps += "  " + _("{n} overdue").format(n=overdue)
            table.add_row(
                Text(str(i["id"])),
                Text(playbook, style="italic" if i["drill"] else ""),
                Text(listing.names.get(i["person_id"] or "", i["cluster_key"] or "-")),
                Text(i["room"] or "-"),
                Text(steps, style=style),
                Text(f"{nxt['n']}. {nxt[title_key]}" if nxt else _("ready to close")),
                key=str(i["id"]),
            )
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))
        proposals = self.query_one("#proposals", Label)
        if listing.proposals and self.context.can("incident.cluster"):
            proposals.update(
                "  ".join(
                    _("Cluster proposed: {group}, {cases} cases in {days} day(s)").format(
                        group=p.group, cases=p.cases, days=p.days
                    )
                    for p in listing.proposals
                )
            )
            proposals.display = True
        else:
            proposals.display = False
        self.refresh_bindings()

    @property
    def selected_id(self) -> int | None:
        if self.listing is None or not self.listing.incidents:
            return None
        index = self.query_one(DataTable).cursor_row
        if 0 <= index < len(self.listing.incidents):
            return int(self.listing.incidents[index]["id"])
        return None

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_walk()

    def available(self, action: str) -> bool:
        if action == "walk":
            return self.selected_id is not None
        if action == "cluster":
            return bool(self.listing and self.listing.proposals)
        return True

    def _done(self, recorded: Recorded | None) -> None:
        if recorded is not None:
            self.notify(recorded.message, markup=False)
            nudge(self)
            self.reload()

    def action_walk(self) -> None:
        incident_id = self.selected_id
        if incident_id is None:
            return
        self.app.push_screen(WalkthroughScreen(self.context, incident_id))

    def action_drill(self) -> None:
        if self.listing is None:
            return
        context = self.context
        choices = list(self.listing.playbooks)
        if simulated_gate.available():
            title = dict(choices).get(FEVER_AT_GATE, FEVER_AT_GATE)
            label = _("{playbook}, with a simulated fever at the gate").format(playbook=title)
            choices.insert(0, (SIMULATED, label))

        def start(session: Session, choice: str | None, values: dict[str, str]) -> Recorded:
            simulate = choice == SIMULATED
            person_id = values.get("person") or None
            card = None
            if person_id:
                card = rooms.known_person(session, person_id).card_id
            if simulate and not card:
                person_id, card = drill_person(session)
            incident = open_incident(
                session,
                context.actor,
                FEVER_AT_GATE if simulate else (choice or FEVER_AT_GATE),
                person_id=person_id,
                drill=True,
                clock=context.clock,
            )
            message = _("Drill {id} started.").format(id=incident.id)
            if simulate and card and simulated_gate.fever_arrival(card):
                message += " " + _("A simulated fever is on its way to the gate.")
            return Recorded(message)

        self.app.push_screen(
            StepForm(
                context,
                _("Start a drill"),
                start,
                choices=choices,
                choice_label=_("Playbook"),
                fields=[FormField("person", _("Student or staff number (optional)"))],
            ),
            self._done,
        )

    def action_cluster(self) -> None:
        if self.listing is None or not self.listing.proposals:
            return
        context = self.context
        choices = [
            (
                p.cluster_key,
                _("{group}, {cases} cases in {days} day(s)").format(
                    group=p.group, cases=p.cases, days=p.days
                ),
            )
            for p in self.listing.proposals
        ]

        def open_it(session: Session, choice: str | None, _values: dict[str, str]) -> Recorded:
            incident = clusters.open_cluster(
                session, context.actor, choice or "", tz=context.tz, clock=context.clock
            )
            return Recorded(_("Cluster incident {id} opened.").format(id=incident.id))

        self.app.push_screen(
            StepForm(context, _("Open a cluster incident"), open_it, choices=choices), self._done
        )
