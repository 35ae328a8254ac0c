"""The web dashboard under /dash/ (README, "The dashboard"): `app.mount` adds it to `serve`."""
