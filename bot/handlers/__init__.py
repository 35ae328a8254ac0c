"""Platform-neutral handlers, one module per command family; the router wires them up.

A command handler is `async (ctx: Context, args: str) -> list[Intent]`; a button handler
`async (ctx, ButtonClicked)`; a form handler `async (ctx, FormSubmitted)`.
"""
