"""Views computed once per data version instead of once per request: a small LRU for the web layer.

The command-centre pages are read far more often than their data change (index results once a
day, a risk publication once a day), and building them is CPU work: service calls, JSON encoding,
Jinja rendering of tables with hundreds of rows. So a route builds a key, asks the cache, and does
the work only on a miss::

    key = ("overview.json", scope_of(principal), day, service.overview_version(settings, day))
    body = await view_cache(request.app).get_or_make_async(key, lambda: json_bytes(service.overview(...)))

A key holds everything that changes the output: the route, the caller's scope (``scope_of``: role,
region prefix, enterprise ids — never the user name, which no cached part shows), the query (date,
language, ...) and a *data version* — the modification times of the files the view reads, the
newest risk publication, the rule-set file. New data give new keys; the old entries are never asked
for again and age out of the LRU. Only what is the same for everyone with that scope is cached: the
per-user parts of a page (user name, links, CSRF token, language switch, date picker) are rendered per request
(``page_blocks`` + ``render_page``).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

_MISSING = object()


class ViewCache:
    """A bounded, thread-safe LRU of built views. A key is built once even when many requests miss
    it together (the others wait for the first instead of repeating the work)."""

    def __init__(self, maxsize: int = 512) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[Hashable, threading.Lock] = {}
        self.hits = self.misses = 0  # for tests and curious operators

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            value = self._entries.get(key, _MISSING)
            if value is _MISSING:
                return default
            self._entries.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The cached value, else ``make()`` (once per key at a time; an exception is not cached)."""
        value = self.get(key, _MISSING)
        if value is not _MISSING:
            return value
        with self._lock:
            building = self._building.setdefault(key, threading.Lock())
        with building:
            value = self.get(key, _MISSING)
            if value is _MISSING:
                with self._lock:
                    self.misses += 1
                value = make()
                self.put(key, value)
        with self._lock:
            if self._building.get(key) is building:
                del self._building[key]
        return value

    async def get_or_make_async(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """For ``async def`` routes: a hit is answered on the event loop; a miss builds in the thread pool."""
        value = self.get(key, _MISSING)
        if value is not _MISSING:
            return value
        return await run_in_threadpool(self.get_or_make, key, make)


_app_lock = threading.Lock()


def view_cache(app) -> ViewCache:
    """The app's cache (``app.state.view_cache``): one per app and process, so two apps on different
    data never share entries (each uvicorn worker has its own)."""
    cache = getattr(app.state, "view_cache", None)
    if cache is None:
        with _app_lock:
            cache = getattr(app.state, "view_cache", None)
            if cache is None:
                cache = app.state.view_cache = ViewCache()
    return cache


def scope_of(principal) -> tuple:
    """What of a principal changes what the services show: role, region prefix, enterprises."""
    return (principal.role, principal.region_prefix, tuple(sorted(principal.enterprise_ids)))


def json_bytes(value) -> bytes:
    """JSON as FastAPI's JSONResponse writes it (UTF-8, no ASCII escapes), encoded once per version."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=str).encode("utf-8")


def page_blocks(templates, name: str, context: dict,
                blocks: Iterable[str] = ("title", "head", "main", "print_source")) -> dict:
    """Render the named blocks of a page template (``{block: Markup}``) without its base chrome.

    The blocks must not use ``request`` or anything per user; macros they use are imported inside
    the block (a template's top-level imports are not run when a block is rendered alone).
    """
    template = templates.env.get_template(name)
    rendered = {}
    for block in blocks:
        render = template.blocks.get(block)
        rendered[block] = Markup("".join(render(template.new_context(dict(context))))) if render else Markup("")
    return rendered


def render_page(request, blocks: dict, *, principal, dates=None, status_code: int = 200):
    """The full page: the shell's per-request chrome (fugong.web.pages: user, links, CSRF token,
    language switch, date picker) around blocks rendered once by ``page_blocks``."""
    from fugong.web.pages import render

    return render(request, "_cached_page.html", {"blocks": blocks}, principal=principal, dates=dates,
                  status_code=status_code)
