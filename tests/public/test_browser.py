"""The widget in a real headless Chromium, on the example page of a live Kept server: every
state in every language, refreshes, orders, dead tokens, another origin, Accept-Language.
Screenshots go to test-artifacts/widget/."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from api.db import Database
from api.tenancy import service as tenancy
from tests.builders import iso, now
from tests.conftest import ALL_SCOPES
from tests.public.scenarios import ENGLISH, LANGUAGES, issue_token, make_promise, scenarios

# Generous bounds for the page to render: waits end as soon as the card is there.
RENDER_TIMEOUT = 20


@dataclass
class Shop:
    """A tenant on the live server, its API client, and a token per scenario."""

    base: str
    api: httpx.Client
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def shop(live_server: str, database: Database) -> Iterator[Shop]:
    name = f"shop-{secrets.token_hex(4)}"
    at = datetime.now(UTC)
    with database.session() as session:
        tenancy.create_tenant(session, name, "Europe/Rome", at)
        key = tenancy.create_key(session, name, ALL_SCOPES, at).key
    with httpx.Client(base_url=live_server,
                      headers={"Authorization": f"Bearer {key}"}) as api:
        tokens = {
            scenario_name: issue_token(api, make_promise(api, scenario)["id"])["token"]
            for scenario_name, scenario in scenarios().items()
        }
        yield Shop(live_server, api, tokens)


@pytest.fixture
def shots(artifacts_dir: Path) -> Path:
    folder = artifacts_dir / "widget"
    folder.mkdir(exist_ok=True)
    return folder


def open_card(browser: WebDriver, url: str) -> None:
    browser.get(url)
    WebDriverWait(browser, RENDER_TIMEOUT).until(lambda driver: driver.execute_script(
        "var host = document.querySelector('[data-kept-status]');"
        "return !!host && host.getAttribute('aria-busy') === 'false';"))


def cards(browser: WebDriver) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = browser.execute_script("""
        return Array.from(document.querySelectorAll('.kept-status__card')).map(card => {
          const text = selector => {
            const node = card.querySelector(selector);
            return node ? node.textContent : null;
          };
          const title = card.querySelector('.kept-status__title');
          return {state: card.dataset.state, title: text('.kept-status__title'),
                  badge: text('.kept-status__badge'), message: text('.kept-status__message'),
                  original: text('.kept-status__original'),
                  labelledBy: card.getAttribute('aria-labelledby'),
                  titleId: title ? title.id : null,
                  role: title ? title.getAttribute('role') : null,
                  level: title ? title.getAttribute('aria-level') : null};
        });""")
    return found


def page_url(shop: Shop, token: str, language: str | None = None) -> str:
    query = httpx.QueryParams({"token": token, **({"lang": language} if language else {})})
    return f"{shop.base}/examples/order-status?{query}"


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("name", list(ENGLISH))
def test_every_state_in_every_language(
    browser: WebDriver, shop: Shop, shots: Path, name: str, language: str
) -> None:
    open_card(browser, page_url(shop, shop.tokens[name], language))
    [card] = cards(browser)
    scenario = scenarios()[name]
    title, badges, months = LANGUAGES[language]
    assert card["state"] == scenario.state
    assert card["title"] == title
    assert card["badge"] == badges[scenario.state]
    if language == "en":
        assert (card["badge"], card["message"]) == ENGLISH[name]
    served = httpx.get(f"{shop.base}/v1/public/status/{shop.tokens[name]}",
                       params={"lang": language}).json()["promises"][0]
    assert card["message"] == served["message"]
    if name != "cancelled":
        assert any(month in card["message"] for month in months), card["message"]
    if name == "revised":
        assert card["original"] == served["original_message"]
        assert months[0] in card["original"]
    else:
        assert card["original"] is None
    # Accessible: a heading named card inside a polite live region, in the texts' language.
    assert (card["role"], card["level"]) == ("heading", "2")
    assert card["labelledBy"] == card["titleId"]
    host = browser.find_element(By.CSS_SELECTOR, "[data-kept-status]")
    assert host.get_attribute("aria-live") == "polite"
    section = browser.find_element(By.CSS_SELECTOR, ".kept-status")
    assert section.get_attribute("lang") == language
    assert section.get_attribute("aria-label") == title
    browser.save_screenshot(str(shots / f"status-{name}-{language}.png"))


def test_the_card_refreshes_in_place(browser: WebDriver, shop: Shop, shots: Path) -> None:
    promise = make_promise(shop.api, scenarios()["on_track"])
    open_card(browser, page_url(shop, issue_token(shop.api, promise["id"])["token"], "en"))
    assert [card["state"] for card in cards(browser)] == ["on_track"]
    assert browser.execute_script("return window.KeptStatus.refreshMs") == 60_000
    fulfilled = shop.api.post(f"/v1/promises/{promise['id']}/events",
                              json={"type": "fulfilled", "occurred_at": iso(now())})
    assert fulfilled.status_code == 201
    # What the minute timer runs, run now rather than waited for.
    browser.execute_script("window.KeptStatus.refresh()")
    WebDriverWait(browser, RENDER_TIMEOUT).until(
        lambda driver: [card["state"] for card in cards(driver)] == ["arrived_early"])
    [card] = cards(browser)
    assert card["message"].startswith("Your delivery arrived early, on ")
    browser.save_screenshot(str(shots / "refreshed-arrived_early-en.png"))


def test_an_order_shows_a_card_per_promise(browser: WebDriver, shop: Shop, shots: Path) -> None:
    order = f"order-{secrets.token_hex(4)}"
    make_promise(shop.api, scenarios()["revised"], order_id=order)
    make_promise(shop.api, scenarios()["arrived_on_time"], order_id=order, kind="refund")
    issued = shop.api.post(f"/v1/orders/{order}/status-token")
    assert issued.status_code == 201
    open_card(browser, page_url(shop, issued.json()["token"], "pt-BR"))
    shown = cards(browser)
    assert [(card["title"], card["badge"]) for card in shown] == [
        ("Reembolso", "No prazo"), ("Entrega", "Nova data")]
    assert len({card["titleId"] for card in shown}) == 2
    section = browser.find_element(By.CSS_SELECTOR, ".kept-status")
    assert section.get_attribute("aria-label") == "Seu pedido"
    browser.save_screenshot(str(shots / "order-two-promises-pt-BR.png"))


def test_a_revoked_token_says_so(browser: WebDriver, shop: Shop, shots: Path) -> None:
    promise = make_promise(shop.api, scenarios()["on_track"])
    issued = issue_token(shop.api, promise["id"])
    revoked = shop.api.delete(f"/v1/status-tokens/{issued['id']}")
    assert revoked.status_code == 204
    open_card(browser, page_url(shop, issued["token"], "es"))
    [card] = cards(browser)
    assert card["state"] == "unavailable"
    assert card["labelledBy"] is None
    assert card["message"] == ("Este enlace de seguimiento no es válido, ha caducado o se ha "
                               "retirado.")
    browser.save_screenshot(str(shots / "revoked-es.png"))


def test_the_browser_language_decides_without_lang(browser: WebDriver, shop: Shop) -> None:
    browser.execute_cdp_cmd("Emulation.setUserAgentOverride", {
        "userAgent": browser.execute_script("return navigator.userAgent"),
        "acceptLanguage": "it-IT,it;q=0.9,en;q=0.5"})
    try:
        open_card(browser, page_url(shop, shop.tokens["at_risk"]))
        [card] = cards(browser)
        assert card["badge"] == "Possibile ritardo"
        assert "entro sabato 5 dicembre 2099" in card["message"]
    finally:
        browser.execute_cdp_cmd("Emulation.setUserAgentOverride", {
            "userAgent": browser.execute_script("return navigator.userAgent"),
            "acceptLanguage": "en-US,en"})


def test_a_shop_on_another_origin_embeds_the_widget(
    browser: WebDriver, shop: Shop, shots: Path, tmp_path: Path
) -> None:
    """A page that is not Kept's (a file: page, origin `null`) loads the script from Kept and
    reads the status cross-origin, through CORS."""
    widget = httpx.get(f"{shop.base}/widget.js")
    version = widget.headers["etag"].strip('"')
    page = tmp_path / "shop.html"
    page.write_text(f"""<!doctype html><html lang="es"><head><meta charset="utf-8">
<title>Mi tienda</title></head><body style="font-family: sans-serif; padding: 24px">
<h1>Pedido 1234</h1>
<div data-kept-status="{shop.tokens['arrived_late']}" data-kept-lang="es"
     data-kept-heading-level="3"></div>
<script src="{shop.base}/widget.js?v={version}" async></script>
</body></html>""", encoding="utf-8")
    open_card(browser, page.as_uri())
    [card] = cards(browser)
    assert (card["badge"], card["level"]) == ("Con retraso", "3")
    assert card["message"].startswith("Tu pedido se entregó el viernes, 7 de noviembre de 2025")
    browser.save_screenshot(str(shots / "other-origin-arrived_late-es.png"))


def test_without_a_token_the_page_asks_for_one_and_shows_its_status(
    browser: WebDriver, shop: Shop, shots: Path
) -> None:
    browser.get(f"{shop.base}/examples/order-status")
    browser.save_screenshot(str(shots / "example-page-form.png"))
    browser.find_element(By.NAME, "token").send_keys(shop.tokens["on_track"])
    browser.find_element(By.CSS_SELECTOR, "select[name=lang] option[value=ru]").click()
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, RENDER_TIMEOUT).until(
        lambda driver: "token=" in driver.current_url)
    WebDriverWait(browser, RENDER_TIMEOUT).until(lambda driver: driver.execute_script(
        "var host = document.querySelector('[data-kept-status]');"
        "return !!host && host.getAttribute('aria-busy') === 'false';"))
    [card] = cards(browser)
    assert (card["title"], card["badge"]) == ("Доставка", "Всё по плану")
