"""Explicit waits for a page's content: a site spec's CSS selector, or network and DOM quiet.

``document.readyState`` alone says nothing about a single-page app: its content arrives later, through fetch/XHR
calls that may start from a timer. ``ACTIVITY_SCRIPT`` is injected before any page script runs (CDP
``Page.addScriptToEvaluateOnNewDocument``) and counts what is still pending: fetches, XHRs and short timers (a
delayed request for the price). A page is settled when it is loaded, nothing is pending and neither the DOM
(MutationObserver) nor the pending set changed for a quiet window.
"""

from __future__ import annotations

import time
from typing import Any

POLL_SECONDS = 0.05
_TRACKED_TIMER_MS = 2000  # longer timers are carousels and session pings, not content still on its way

ACTIVITY_SCRIPT = """
(function () {
  if (window.__sightsearch) return;
  var state = window.__sightsearch = {pending: 0, last: Date.now()};
  function touch() { state.last = Date.now(); }
  function begin() { state.pending += 1; touch(); }
  function end() { state.pending = Math.max(0, state.pending - 1); touch(); }
  var nativeFetch = window.fetch;
  if (nativeFetch) {
    window.fetch = function () {
      begin();
      return nativeFetch.apply(this, arguments).then(
        function (response) { end(); return response; }, function (error) { end(); throw error; });
    };
  }
  var send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function () {
    begin();
    this.addEventListener("loadend", end, {once: true});
    return send.apply(this, arguments);
  };
  var timers = new Set(), nativeSetTimeout = window.setTimeout, nativeClearTimeout = window.clearTimeout;
  window.setTimeout = function (callback, delay) {
    if (typeof callback !== "function" || !(Number(delay) <= %(tracked)d)) {
      return nativeSetTimeout.apply(window, arguments);
    }
    var args = Array.prototype.slice.call(arguments, 2), id;
    begin();
    id = nativeSetTimeout(function () {
      timers.delete(id);
      try { callback.apply(window, args); } finally { end(); }
    }, delay);
    timers.add(id);
    return id;
  };
  window.clearTimeout = function (id) {
    if (timers.delete(id)) end();
    return nativeClearTimeout(id);
  };
  new MutationObserver(touch).observe(document,
    {childList: true, subtree: true, attributes: true, characterData: true});
})();
""".replace("%(tracked)d", str(_TRACKED_TIMER_MS))

_PROBE = """
var s = window.__sightsearch;
return [document.readyState, s ? s.pending : 0, s ? Date.now() - s.last : 1e9];
"""


def wait_until_settled(driver: Any, timeout: float, quiet: float) -> bool:
    """Block until the page is loaded and quiet for ``quiet`` seconds; False when ``timeout`` passed first."""
    deadline = time.monotonic() + timeout
    while True:
        ready, pending, idle_ms = driver.execute_script(_PROBE)
        if ready == "complete" and pending == 0 and idle_ms >= quiet * 1000:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_SECONDS)


def wait_for_selector(driver: Any, css: str, timeout: float) -> bool:
    """Block until an element matches ``css``; False when ``timeout`` passed first."""
    deadline = time.monotonic() + timeout
    while not driver.execute_script("return document.querySelector(arguments[0]) !== null;", css):
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_SECONDS)
    return True
