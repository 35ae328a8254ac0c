"""Slack: the only package that imports slack_bolt / slack_sdk.

`wiring.build_slack(runtime)` gives `serve` the `POST /slack/events` route, the outbox
platform and (with SLACK_APP_TOKEN) Socket Mode. Inside: `app.SlackBot` (Bolt listeners →
router → intents), `platform.SlackPlatform` (outbox delivery), `home` (App Home), `sync`
(`outcomebot slack sync`), `blocks`/`modal` (Block Kit), `events` (payload translation).
"""
