"""Pull sources: key result values fetched on a schedule from SQL, GitHub, Jira or a JSON URL.

`schedule` holds the pure timing rules (hourly by default, backoff after failures),
`fetchers` talks to the outside services (aiohttp; SQL through storage.external_sql), and
`runner` claims due sources, fetches them side by side and records values and errors.
"""
