"""Rules and services. Depends on models only: no Textual, no pyserial."""
