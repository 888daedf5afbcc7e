"""{% cachedfragment "name" vary… %}…{% endcachedfragment %}: a piece of a page that
many viewers share, cached until its data changes (somehub/lib/pagecache.py).

Everything the piece shows must be named by the vary values (the language is added
by itself); a vary value of None renders the piece afresh, uncached. Whatever the
piece needs should be computed lazily, so that a cached piece costs no query. A
{% csrf_token %} inside is fine: the piece keeps a stand-in, and each response gets
the visitor's own token.
"""

import secrets
from typing import Any

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.template.loader_tags import BlockNode
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from somehub.lib import pagecache

register = template.Library()

# Unguessable, so that no text a member writes can contain it.
CSRF_STAND_IN = f"csrf-{secrets.token_hex(16)}"


class CachedFragmentNode(template.Node):
    def __init__(
        self, nodelist: NodeList, name: FilterExpression, vary: list[FilterExpression]
    ) -> None:
        self.nodelist = nodelist
        self.name = name
        self.vary = vary

    def render(self, context: template.Context) -> SafeString:
        key = pagecache.fragment_key(
            str(self.name.resolve(context)),
            # A value the context does not hold is None: rendered afresh.
            *(v.resolve(context, ignore_failures=True) for v in self.vary),
        )
        if key is None:
            return mark_safe(self.nodelist.render(context))  # noqa: S308

        def render() -> str:
            # Forms in the piece get a stand-in for the CSRF token: the token is
            # each visitor's own, put in below whenever the piece is shown.
            with context.push(csrf_token=CSRF_STAND_IN):
                return self.nodelist.render(context)

        html = pagecache.cached_fragment(key, render)
        if CSRF_STAND_IN in html:
            html = html.replace(CSRF_STAND_IN, str(context.get("csrf_token", "")))
        return mark_safe(html)  # noqa: S308 - rendered by the template engine


@register.tag
def cachedfragment(parser: Parser, token: Token) -> CachedFragmentNode:
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(
            "{% cachedfragment %} needs a name, then the values it varies by."
        )
    nodelist = parser.parse(("endcachedfragment",))
    parser.delete_first_token()
    expressions: list[Any] = [parser.compile_filter(bit) for bit in bits[1:]]
    return CachedFragmentNode(nodelist, expressions[0], expressions[1:])


# The site's chrome -----------------------------------------------------------------

# Rendered pieces of the page frame (navigation, footer), per worker. They depend
# only on the code, the URLs and the values they name, so they never go stale
# while the process runs; a deploy starts new processes.
_chrome: dict[tuple[Any, ...], str] = {}
CHROME_ENTRIES = 512


def _forget_chrome(**kwargs: Any) -> None:
    _chrome.clear()


setting_changed.connect(_forget_chrome, dispatch_uid="pagecache-chrome")


class ChromeNode(template.Node):
    # Not searched for {% block %}s when a template extends this one: a block here
    # could not be overridden per page anyway (see chrome() below), and skipping it
    # makes every {% extends %} cheaper.
    child_nodelists = ()

    def __init__(
        self, nodelist: NodeList, name: FilterExpression, vary: list[FilterExpression]
    ) -> None:
        self.nodelist = nodelist
        self.name = name
        self.vary = vary

    def render(self, context: template.Context) -> SafeString:
        # A value the context does not hold is None: rendered afresh.
        vary = [v.resolve(context, ignore_failures=True) for v in self.vary]
        # Rendered afresh under a development server (templates change under it)
        # and when a vary value is None (this piece is not the usual one).
        if settings.DEBUG or any(value is None for value in vary):
            return mark_safe(self.nodelist.render(context))  # noqa: S308
        key = (
            self.name.resolve(context),
            translation.get_language(),
            get_script_prefix(),
            *vary,
        )
        html = _chrome.get(key)
        if html is None:
            html = self.nodelist.render(context)
            if len(_chrome) >= CHROME_ENTRIES:
                _chrome.clear()
            _chrome[key] = html
        return mark_safe(html)  # noqa: S308 - rendered by the template engine


@register.tag
def chrome(parser: Parser, token: Token) -> ChromeNode:
    """{% chrome "name" vary… %}…{% endchrome %}: a piece of the page frame that is
    the same for every page and viewer with the same vary values and language
    (navigation, footer), rendered once per worker. It must not hold anything
    personal (a CSRF token, a name) nor the page's URL, unless a vary value names it,
    nor anything from the database. A vary value of None renders it afresh.
    """
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(
            "{% chrome %} needs a name, then the values it varies by."
        )
    nodelist = parser.parse(("endchrome",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(BlockNode):
        raise template.TemplateSyntaxError(
            "{% chrome %} cannot hold a {% block %}: it is rendered once for all pages."
        )
    expressions: list[Any] = [parser.compile_filter(bit) for bit in bits[1:]]
    return ChromeNode(nodelist, expressions[0], expressions[1:])
