"""The OutcomeBot process: CLI, configuration, HTTP server, router, handlers and adapters."""
