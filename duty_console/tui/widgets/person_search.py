"""Find a person by student number, name or pinyin initials ("zsm" finds 张三明)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from duty_console.db.connect import Database
from duty_console.domain import people
from duty_console.domain.inert import inert
from duty_console.domain.pinyin import mask_name
from duty_console.i18n import N_, _
from duty_console.tui.keys import translate_bindings
from duty_console.tui.widgets.field import Field

SHOWN = 6


@dataclass(frozen=True)
class PersonChoice:
    person_id: str
    name: str
    class_name: str

    @property
    def short(self) -> str:
        """Masked name and class, for the gate screen (no student number there)."""
        return "  ".join(filter(None, (mask_name(self.name), self.class_name)))

    @property
    def label(self) -> str:
        """Masked name, class and student number: enough to confirm with the person at the gate."""
        return "  ".join(filter(None, (mask_name(self.name), self.class_name, self.person_id)))


class PersonSearch(Vertical):
    """A search field and its matches; Enter or a click picks one."""

    DEFAULT_CSS = """
    PersonSearch {
        height: auto;
        & > OptionList { height: auto; max-height: 7; background: $surface; }
        & > #chosen { color: $text-success; text-style: bold; height: auto; }
        & > #nobody { color: $text-muted; }
    }
    """

    # Up and down move through the matches while typing continues in the field.
    BINDINGS = [
        Binding("down", "next_match", N_("next match"), id="search.next", show=False),
        Binding("up", "previous_match", N_("previous match"), id="search.previous", show=False),
    ]

    class Found(Message):
        def __init__(self, query: str, found: list[PersonChoice]) -> None:
            super().__init__()
            self.query = query
            self.found = found

    class Chosen(Message):
        def __init__(self, search: PersonSearch, person: PersonChoice) -> None:
            super().__init__()
            self.search = search
            self.person = person

    def __init__(self, db: Database, *, id: str | None = None) -> None:
        super().__init__(id=id)
        translate_bindings(self)
        self._db = db
        self._found: list[PersonChoice] = []
        self._found_for = ""
        self._choose_when_found = False
        self._debounce: Timer | None = None
        self.chosen: PersonChoice | None = None

    def compose(self) -> ComposeResult:
        yield Field(
            placeholder=_("student number, name or pinyin initials (zsm)"),
            id="query",
        )
        yield OptionList(compact=True, id="matches")
        yield Label("", id="nobody", markup=False)
        yield Label("", id="chosen", markup=False)

    def on_mount(self) -> None:
        self.query_one(OptionList).display = False
        self.query_one("#nobody").display = False
        self.query_one("#chosen").display = False

    def focus_query(self) -> None:
        self.query_one("#query", Input).focus()

    @on(Input.Changed, "#query")
    def _query_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._debounce is not None:
            self._debounce.stop()
        query = event.value.strip()
        self._choose_when_found = False
        if not query:
            self._show([], "")
            return
        self._debounce = self.set_timer(0.15, lambda: self._search(query))

    @work(thread=True, exclusive=True, group="person-search", exit_on_error=False)
    def _search(self, query: str) -> None:
        with self._db.read() as session:
            found = [
                PersonChoice(p.person_id, inert(p.name), inert(p.class_name))
                for p in people.search(session, query, SHOWN)
            ]
        self.post_message(self.Found(query, found))

    @on(Found)
    def _on_found(self, message: Found) -> None:
        message.stop()
        if message.query != self.query_one("#query", Input).value.strip():
            return
        self._show(message.found, message.query)
        if self._choose_when_found and message.found:
            self._choose_when_found = False
            self.choose(message.found[0])

    def _show(self, found: list[PersonChoice], query: str) -> None:
        self._found = found
        self._found_for = query
        matches = self.query_one(OptionList)
        matches.clear_options()
        matches.add_options(Option(Text(p.label)) for p in found)
        matches.display = bool(found)
        if found:
            matches.highlighted = 0
        nobody = self.query_one("#nobody", Label)
        nobody.update(_("nobody matches {query}").format(query=query) if query else "")
        nobody.display = bool(query) and not found

    @property
    def matches(self) -> list[PersonChoice]:
        return list(self._found)

    @on(Input.Submitted, "#query")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        query = event.value.strip()
        if query and self._found_for != query:
            # Enter typed faster than the search: take the best match when it arrives.
            if self._debounce is not None:
                self._debounce.stop()
            self._choose_when_found = True
            self._search(query)
        elif self._found:
            index = self.query_one(OptionList).highlighted or 0
            self.choose(self._found[index])

    @on(OptionList.OptionSelected, "#matches")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self._found):
            self.choose(self._found[event.option_index])

    def choose(self, person: PersonChoice) -> None:
        self.chosen = person
        chosen = self.query_one("#chosen", Label)
        chosen.update(_("chosen: {person}").format(person=person.label))
        chosen.display = True
        self.query_one(OptionList).display = False
        self.post_message(self.Chosen(self, person))

    def action_next_match(self) -> None:
        self._step(1)

    def action_previous_match(self) -> None:
        self._step(-1)

    def _step(self, delta: int) -> None:
        matches = self.query_one(OptionList)
        if self._found:
            current = matches.highlighted or 0
            matches.highlighted = max(0, min(len(self._found) - 1, current + delta))
