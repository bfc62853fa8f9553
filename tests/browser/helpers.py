"""Helpers for browser tests: the axe-core audit and keyboard navigation."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported lazily, so a machine without Playwright can still collect (and skip)
    from playwright.sync_api import Locator, Page

# WCAG 2.0 and 2.1, levels A and AA: what the Swedish accessibility law (DOS-lagen) requires.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Rules switched off, each with the reason. Keep this empty unless a rule is wrong for us.
DISABLED_RULES: dict[str, str] = {}

# Viewports: a laptop, and a common phone (CSS pixels).
WIDTHS = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 375, "height": 812},
}

_RUN_AXE = """async (options) => {
  const result = await axe.run(document, options);
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html, summary: n.failureSummary})),
  }));
}"""


def expect(actual: Any, message: str | None = None) -> Any:
    """Playwright's ``expect`` (auto-waiting assertions), imported when first used."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(actual, message)


def axe_violations(page: Page, axe_source: str) -> list[dict]:
    """Run axe-core on the page as it is now; the page's CSP allows no injected
    ``<script>`` tag, so the library is evaluated through the DevTools protocol."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)
    options = {
        "runOnly": {"type": "tag", "values": AXE_TAGS},
        "rules": {rule: {"enabled": False} for rule in DISABLED_RULES},
        "resultTypes": ["violations"],
    }
    return page.evaluate(_RUN_AXE, options)


def describe(violations: list[dict]) -> str:
    """A readable report: rule, impact, what to do, and where."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:8]:
            lines.append(f"    at {node['target']}: {node['html'][:160]}")
            lines.append("      " + (node["summary"] or "").replace("\n", "\n      "))
    return "\n".join(lines)


def focused(page: Page) -> str:
    """A short description of the element that has keyboard focus."""
    return page.evaluate("""() => {
      const el = document.activeElement;
      if (!el) return '';
      const id = el.id ? '#' + el.id : '';
      return el.tagName.toLowerCase() + id + ' ' + (el.getAttribute('name') || '') + ' '
        + (el.innerText || el.value || '').trim().slice(0, 60);
    }""")


def tab_to(page: Page, target: str | Locator, *, max_presses: int = 150, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until ``target`` (a CSS selector or a locator; any of its
    matches) has focus, as a keyboard user would; fails when it is never reached."""
    locator = page.locator(target) if isinstance(target, str) else target
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(max_presses):
        page.keyboard.press(key)
        if locator.evaluate_all("(els) => els.includes(document.activeElement)"):
            return
    raise AssertionError(f"{target} never got keyboard focus; focus ended on {focused(page)!r}")


def log_in(page: Page, account: dict) -> None:
    """Log in through the login form, as a person would."""
    page.goto("/login")
    page.get_by_label("E-postadress").fill(account["email"])
    page.get_by_label("Lösenord").fill(account["password"])
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/redaktion/**")


def sideways_overflow(page: Page) -> list[str]:
    """WCAG 1.4.10 (reflow): what makes the page wider than the viewport, if anything."""
    return page.evaluate("""() => {
      if (document.documentElement.scrollWidth <= innerWidth) return [];
      const culprits = [];
      for (const el of document.querySelectorAll('body *')) {
        const wide = el.getBoundingClientRect().right > innerWidth + 1
          || (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible');
        const inner = [...el.children].some(c => c.getBoundingClientRect().right > innerWidth + 1);
        if (wide && !inner) culprits.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
          + ' «' + (el.textContent || '').trim().slice(0, 50) + '»');
      }
      return culprits.slice(0, 6).concat(culprits.length ? [] : ['(the page itself)']);
    }""")
