"""The views a console can jump to with ``:name`` (k9s style), and how a typed name resolves."""

from __future__ import annotations

from duty_console.i18n import N_, _, in_every_language

# name → label msgid. The app's VIEW_SCREENS says which are built; the others say so calmly.
VIEWS: dict[str, str] = {
    "gate": N_("gate"),
    "timers": N_("timers"),
    "rooms": N_("isolation rooms"),
    "incidents": N_("incidents"),
    "rota": N_("rota"),
    "checks": N_("class checks"),
    "reports": N_("reports"),
}
QUIT_WORDS = frozenset({"q", "quit", "exit", "q!"})


def view_label(name: str) -> str:
    return _(VIEWS.get(name, name))


def resolve_view(typed: str) -> str | None:
    """':gate', 'gate', 'ga', '校门' → 'gate'; 'q'/'quit' → 'quit'; anything unknown → None."""
    word = typed.strip().lstrip(":").strip().lower()
    if not word:
        return None
    if word in QUIT_WORDS or word in in_every_language("quit"):
        return "quit"
    for name, label in VIEWS.items():
        if word == name or word in {t.lower() for t in in_every_language(label)}:
            return name
    prefixed = [name for name in VIEWS if name.startswith(word)]
    if len(prefixed) == 1:
        return prefixed[0]
    return None
