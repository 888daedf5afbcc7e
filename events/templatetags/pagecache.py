"""{% cachedfragment "name" vary… %}…{% endcachedfragment %}: a piece of a page that
many viewers share, cached until its data changes (somehub/lib/pagecache.py).

Everything the piece shows must be named by the vary values (the language is added
by itself); a vary value of None renders the piece afresh, uncached. Whatever the
piece needs should be computed lazily, so that a cached piece costs no query.
"""

from typing import Any

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.utils.safestring import SafeString, mark_safe

from somehub.lib import pagecache

register = template.Library()


class CachedFragmentNode(template.Node):
    def __init__(
        self, nodelist: NodeList, name: FilterExpression, vary: list[FilterExpression]
    ) -> None:
        self.nodelist = nodelist
        self.name = name
        self.vary = vary

    def render(self, context: template.Context) -> SafeString:
        key = pagecache.fragment_key(
            str(self.name.resolve(context)), *(v.resolve(context) for v in self.vary)
        )
        html = pagecache.cached_fragment(key, lambda: self.nodelist.render(context))
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
