"""The key footer of every view: Textual's ``Footer``, minus a leak found by the soak test."""

from __future__ import annotations

from textual.widgets import Footer


class ConsoleFooter(Footer):
    """``Footer`` that lets go of the keys it drew before.

    Each time the bindings change (the gate refreshes them on every reading) the footer is
    composed again with new keys, each bound to the footer's ``compact`` with ``data_bind``.
    Textual (8.2) forgets the watchers of removed keys only when ``compact`` itself changes,
    which it never does here: a console kept every key it had ever drawn (about 200 MB an
    hour at a busy gate). After each recompose, the removed keys' watchers go.
    """

    async def recompose(self) -> None:
        await super().recompose()
        self.forget_removed_keys()

    def forget_removed_keys(self) -> None:
        watchers: dict[str, list[tuple[object, object]]] = getattr(self, "__watchers", {})
        for bound in watchers.values():
            bound[:] = [
                (node, callback)
                for node, callback in bound
                if not (getattr(node, "_closing", False) or getattr(node, "_closed", False))
            ]
