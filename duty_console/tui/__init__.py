"""The Textual console: the app shell, the gate screen and the views to come."""
