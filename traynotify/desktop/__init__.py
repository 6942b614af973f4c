"""Adapters to the operating system and the desktop: tray, pop-ups, D-Bus."""
