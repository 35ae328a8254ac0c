"""Jinja2 templates per surface and the functions that render them (see messages.render)."""
