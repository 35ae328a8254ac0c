"""The terminal adapter: `outcomebot chat --as EMAIL`, a REPL over the same router as Slack/Teams."""
