"""The dashboard in a real browser (Debian's Chromium through Playwright): signing in with a
link the CLI printed, the outcomes tree, a key result's plot and table, a check-in sent through
the Slack endpoint showing up on the open page by itself, signing out; screenshots of every
page at desktop and phone sizes (tests/artifacts/), and no sideways scrolling on a phone."""

from __future__ import annotations

import time

from tests.dashboard_browser_rig import chromium, has_horizontal_overflow, history_server, live_server, screenshot  # noqa: F401
from tests.dashboard_browser_rig import HistoryServer, LiveServer
from tests.orgchart import ALICE, MAYA
from tests.slack_requests import typed

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
PAGES = {"home": "/dash/", "outcomes": "/dash/outcomes", "key-result": "/dash/kr/onboarding-days",
         "team": "/dash/team", "insights": "/dash/insights"}


PLOT_LABEL_FAULTS = """() => {
  const faults = [];
  for (const svg of document.querySelectorAll('svg.plot-svg')) {
    const box = svg.getBoundingClientRect();
    const labels = [...svg.querySelectorAll('text')].map(t => [t.textContent, t.getBoundingClientRect()]);
    for (const [text, r] of labels) {
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5)
        faults.push(`"${text}" is clipped`);
    }
    labels.forEach(([a, r], i) => labels.slice(i + 1).forEach(([b, q]) => {
      if (r.left < q.right && q.left < r.right && r.top < q.bottom && q.top < r.bottom) faults.push(`"${a}" overlaps "${b}"`);
    }));
  }
  return faults;
}"""


def plot_label_faults(page) -> list[str]:
    """Axis labels of the page's plots drawn outside their plot or over one another."""
    return page.evaluate(PLOT_LABEL_FAULTS)


def check_in_through_slack(server: LiveServer, command_text: str, days: str, activation: str, view_id: str) -> None:
    """Alice opens her check-in with /checkin and submits the modal, as Slack would send it."""
    rig = server.rig

    async def submit() -> None:
        rig.fake.calls.clear()
        await rig.command("UALICE", "/checkin", command_text)
        [opened] = await rig.fake.wait_for("views.open")
        view = {**opened.args["view"], "id": view_id, "hash": view_id}
        ids = rig.ids
        answers = {
            f"kr.{ids['onboarding-days']}.value": typed("number_input", days),
            f"kr.{ids['onboarding-days']}.confidence": typed("static_select", "7"),
            f"kr.{ids['onboarding-days']}.note": typed("plain_text_input", "two accounts <b>live</b> early"),
            f"kr.{ids['activation']}.value": typed("number_input", activation),
            f"kr.{ids['activation']}.confidence": typed("static_select", "6"),
            f"kr.{ids['activation']}.note": typed("plain_text_input", None),
        }
        response = await rig.submit("UALICE", view, answers)
        assert response.status == 200 and await response.text() == ""

    server.run(submit())


def sign_in(browser, server: LiveServer, email: str, viewport: dict) -> object:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(server.cli_link(email))
    page.get_by_role("button", name="Continue as").click()
    page.wait_for_url("**/dash/")
    return page


def test_sign_in_tree_key_result_live_check_in_and_sign_out_in_a_browser(live_server: LiveServer, chromium) -> None:
    check_in_through_slack(live_server, "", "21", "48", "V0WEEKLY")
    page = sign_in(chromium, live_server, ALICE, DESKTOP)
    assert "Median days to first value" in page.content()

    page.get_by_role("link", name="Outcomes").first.click()
    assert page.get_by_role("heading", name="Customers stay because they succeed").is_visible()
    assert page.get_by_text("Accounts active in week two").is_visible()

    page.get_by_role("link", name="Median days to first value").click()
    page.wait_for_url("**/dash/kr/onboarding-days")
    assert page.locator("#value-plot svg").count() == 1 and page.locator("#confidence-plot svg").count() == 1
    table = page.locator("#values-table")
    assert "21 days" in table.inner_text() and "two accounts <b>live</b> early" in table.inner_text()

    started = time.monotonic()
    check_in_through_slack(live_server, "monthly", "19", "52", "V0MONTHLY")
    table.get_by_text("19 days").wait_for(timeout=5000)
    assert time.monotonic() - started < 5
    assert "21 days" in table.inner_text()

    page.get_by_role("button", name="Sign out").click()
    assert "signed out" in page.content()
    page.goto(live_server.base_url + "/dash/kr/onboarding-days")
    assert "Sign in from chat" in page.content()


def test_every_page_at_desktop_and_phone_size_without_sideways_scrolling(live_server: LiveServer, chromium) -> None:
    check_in_through_slack(live_server, "", "21", "48", "V0SHOTS")
    for size, viewport in (("1280", DESKTOP), ("390", PHONE)):
        for who, email in (("alice", ALICE), ("maya", MAYA)):
            page = sign_in(chromium, live_server, email, viewport)
            for name, path in PAGES.items():
                if who == "alice" and name == "team":
                    continue
                page.goto(live_server.base_url + path)
                assert page.locator("main").is_visible()
                screenshot(page, f"{name}-{who}-{size}")
                if viewport is PHONE:
                    assert not has_horizontal_overflow(page), f"{path} scrolls sideways at 390 px"
            page.context.close()


def test_a_managers_pages_over_eight_weeks_of_history_fit_a_phone_and_a_desktop(history_server: HistoryServer, chromium) -> None:
    """Eve's home and her manager Maya's pages with a real history (the README's screenshots)."""
    pages = {"home": ("Eve", "/dash/"), "outcomes": ("Maya", "/dash/outcomes"), "key-result": ("Maya", "/dash/kr/activation"),
             "team": ("Maya", "/dash/team"), "insights": ("Maya", "/dash/insights")}
    for size, viewport in (("1280", DESKTOP), ("390", PHONE)):
        for scheme in ("light", "dark"):
            for name, (who, path) in pages.items():
                context = chromium.new_context(viewport=viewport, color_scheme=scheme)
                page = context.new_page()
                page.goto(history_server.link(who))
                page.get_by_role("button", name=f"Continue as {who}").click()
                page.wait_for_url("**/dash/")
                page.goto(history_server.base_url + path)
                assert page.locator("main").is_visible()
                screenshot(page, f"history-{name}-{size}-{scheme}")
                if name == "key-result":
                    assert page.locator("svg.plot-svg .axis.y text").count() > 4
                    assert plot_label_faults(page) == [], f"plot labels at {size} px"
                if viewport is PHONE:
                    assert not has_horizontal_overflow(page), f"{path} scrolls sideways at 390 px"
                context.close()
