"""The shell around every page: which pages a role may use (the header's links) and where it lands.

Each domain declares its pages here, once, at import time of its views module::

    from fugong.web.i18n import N_
    from fugong.web.shell import register_page

    register_page("/desk", N_("Demand desk"), roles=("department", "service_officer"), order=40,
                  landing=("department", "service_officer"))

- ``path``: where the link goes; a callable ``path(principal) -> str | None`` for per-user pages
  (an enterprise user's own enterprise); ``None`` hides the link for that user.
- ``message``: the link text, an English message id marked with ``N_`` (translated when shown).
- ``roles``: who sees the link. Hiding a link is not access control: the route still checks.
- ``order``: position in the header (10 overview … 90 users).
- ``landing``: roles that land on this page after sign-in and at ``/``; among several landing pages
  for a role the one with the highest ``landing_priority`` wins (a new queue may take over from the
  overview: ``landing_priority=10``).
- ``match``: path prefixes that count as "this page" for ``aria-current`` (default: the path).

The header shows, in this order: the product, these links, the date picker (pages that show a day),
the user, sign-out, the language switch (templates/base.html).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from fugong.access import ROLES, Principal

PathFor = str | Callable[[Principal], str | None]


@dataclass(frozen=True)
class Page:
    path: PathFor
    message: str
    roles: frozenset[str]
    order: int = 50
    landing: frozenset[str] = frozenset()
    landing_priority: int = 0
    match: tuple[str, ...] = ()

    def path_for(self, principal: Principal) -> str | None:
        return self.path(principal) if callable(self.path) else self.path


@dataclass
class Registry:
    pages: list[Page] = field(default_factory=list)

    def register(self, page: Page) -> Page:
        unknown = (page.roles | page.landing) - set(ROLES)
        if unknown:
            raise ValueError(f"register_page({page.message!r}): unknown roles {sorted(unknown)}")
        if not page.landing <= page.roles:
            raise ValueError(f"register_page({page.message!r}): a landing role must also see the page")
        # Registering the same page again (a module imported twice, a test app) replaces it.
        self.pages = [p for p in self.pages if (p.path, p.message) != (page.path, page.message)]
        self.pages.append(page)
        self.pages.sort(key=lambda p: (p.order, p.message))
        return page

    def links(self, principal: Principal | None, current_path: str | None = None) -> list[dict]:
        """[{"path", "message", "current"}] of the pages this principal may use, in header order;
        ``current`` marks the link of the page at ``current_path`` (its path or one of its ``match``
        prefixes)."""
        if principal is None:
            return []
        out = []
        for page in self.pages:
            if principal.role not in page.roles:
                continue
            path = page.path_for(principal)
            if path:
                prefixes = page.match or (path.split("?")[0],)
                current = bool(current_path) and any(
                    current_path == prefix or (prefix.endswith("/") and current_path.startswith(prefix))
                    or (page.match and current_path.startswith(prefix)) for prefix in prefixes)
                out.append({"path": path, "message": page.message, "current": current})
        return out

    def landing(self, principal: Principal) -> str | None:
        """Where this principal lands: its highest-priority landing page, else its first link."""
        candidates = [p for p in self.pages if principal.role in p.landing and p.path_for(principal)]
        if candidates:
            best = max(candidates, key=lambda p: (p.landing_priority, -p.order))
            return best.path_for(principal)
        links = self.links(principal)
        return links[0]["path"] if links else None


REGISTRY = Registry()


def register_page(path: PathFor, message: str, *, roles: Iterable[str], order: int = 50,
                  landing: Iterable[str] = (), landing_priority: int = 0, match: Iterable[str] = ()) -> Page:
    """Declare a page of a domain: its header link and, for ``landing`` roles, their start page."""
    return REGISTRY.register(Page(path=path, message=message, roles=frozenset(roles), order=order,
                                  landing=frozenset(landing), landing_priority=landing_priority,
                                  match=tuple(match)))


def nav_links(principal: Principal | None, current_path: str | None = None) -> list[dict]:
    return REGISTRY.links(principal, current_path)


def landing_path(principal: Principal) -> str:
    """The page a signed-in user starts on (``/account`` when no domain offers the role a page)."""
    return REGISTRY.landing(principal) or "/account"
