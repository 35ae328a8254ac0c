"""Microsoft Teams: the Bot Framework endpoint, proactive delivery, Adaptive Cards, the app package.

The only package that imports botbuilder. `build_teams(runtime)` returns the route to mount on
the web app and the `TeamsPlatform` the outbox sends through.
"""
