"""When things happen: calendar rules, the planner, the outbox sender, coaching and digests.

Imports storage/ only; talks to chat platforms through the `Notifier` protocol in
`cadences.notifier`, which bot/ implements.
"""
