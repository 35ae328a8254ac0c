"""Slack: the only package that imports slack_bolt / slack_sdk.

`SlackBot` (app.py) holds the Bolt app and the outbox platform; `http.mount` adds
`POST /slack/events` to the web application; `SocketModeConnection` runs it over Socket Mode.
"""
