"""Hostile inputs for the XSS tests: Markdown/text that tries to become script.

Every payload carries the marker :data:`MARKER` (``__xss``) in its source text: if any of
them ever ran as script in a browser it would set ``window.__xss`` (most also call
``alert``, so a dialog opens). The browser tests check for both; the HTTP tests check the
sanitised HTML structurally (see ``tests/test_xss.py``).

Some payloads hold control characters the wiki refuses to save (``clean_body``); they are
rendered directly and, through HTTP, must be refused with the text given back escaped.
"""

from __future__ import annotations

from typing import NamedTuple

MARKER = "__xss"
RUN = "alert(window.__xss=1)"
"""The script every payload tries to run."""

# base64 of <script>alert(window.__xss=1)</script> and of an SVG with an onload handler
_B64_HTML = "PHNjcmlwdD5hbGVydCh3aW5kb3cuX194c3M9MSk8L3NjcmlwdD4="
_B64_SVG = (
    "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIG9ubG9hZD0iYWxlcnQod2luZG93Ll9feHNz"
    "PTEpIi8+"
)


class Payload(NamedTuple):
    group: str
    name: str
    text: str

    @property
    def id(self) -> str:
        return f"{self.group}/{self.name}"


GROUPS: dict[str, dict[str, str]] = {
    "raw-html": {
        "script": f"<script>{RUN}</script>",
        "script-src": "<SCRIPT SRC=//x.invalid/__xss.js></SCRIPT>",
        "img-onerror": f"<img src=x onerror={RUN}>",
        "img-onerror-quoted": f'<img src="x" onerror="{RUN}">',
        "img-slashes": f"<img/src=x/onerror={RUN}>",
        "svg-onload": f"<svg onload={RUN}>",
        "svg-slash-onload": f"<svg/onload={RUN}>",
        "iframe-javascript": f'<iframe src="javascript:{RUN}"></iframe>',
        "iframe-srcdoc": '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
        "object-data": f'<object data="javascript:{RUN}"></object>',
        "embed-src": f'<embed src="javascript:{RUN}">',
        "body-onload": f"<body onload={RUN}>",
        "details-ontoggle": f"<details open ontoggle={RUN}>x</details>",
        "video-source": f"<video><source onerror={RUN}></video>",
        "audio-onerror": f"<audio src=x onerror={RUN}>",
        "anchor-javascript": f'<a href="javascript:{RUN}">click</a>',
        "inline-in-paragraph": f"Hello <b onmouseover={RUN}>world</b> again",
        "split-script": f"<scr<script>ipt>{RUN}</scr</script>ipt>",
        "unclosed-tag": f"<img src=x onerror={RUN}//",
        "html-block": f"<div>\n<script>{RUN}</script>\n</div>",
        "custom-element-block": f"<custom-el onclick={RUN}>\n\ntext",
        "textarea-breakout": f"</textarea><script>{RUN}</script>",
        "title-breakout": f"</title><script>{RUN}</script>",
        "attribute-breakout": f'"><script>{RUN}</script>',
        "single-quote-breakout": f"'><img src=x onerror={RUN}>",
        "script-end-breakout": f"</script><script>{RUN}</script>",
        "isindex": f"<isindex type=image src=1 onerror={RUN}>",
        "double-angle": f"<<script>script>{RUN}<</script>/script>",
        "comment-split": f"<scr<!-- -->ipt>{RUN}</script>",
        "long-prefix": "A" * 3000 + f"<script>{RUN}</script>",
    },
    "event-handlers": {
        "onpointerover": f'<div onpointerover="{RUN}">hover</div>',
        "autofocus-onfocus": f"<input autofocus onfocus={RUN}>",
        "select-onfocus": f"<select autofocus onfocus={RUN}></select>",
        "onclick": f'<p onclick="{RUN}">tap</p>',
        "onanimationstart": f'<x onanimationstart={RUN} style="animation:spin 1s">',
        "newline-before-equals": f"<img src=x onerror\n={RUN}>",
        "upper-case-handler": f"<img src=x ONERROR={RUN}>",
        "entity-in-handler": "<img src=x onerror=&#97;lert(window.__xss=1)>",
        "onclick-link": f"<a href=# onclick={RUN}>x</a>",
        "form-feed-separator": f"<img src=x\x0conerror={RUN}>",
    },
    "link-urls": {
        "javascript": f"[click](javascript:{RUN})",
        "javascript-upper": f"[click](JAVASCRIPT:{RUN})",
        "vbscript": "[click](vbscript:msgbox(__xss))",
        "data-html": f"[click](data:text/html,<script>{RUN}</script>)",
        "data-html-base64": f"[__xss](data:text/html;base64,{_B64_HTML})",
        "angle-destination": f"[click](<javascript:{RUN}>)",
        "with-title": f'[click](javascript:{RUN} "title")',
        "javascript-comment-newline": "[click](javascript://%0Aalert(window.__xss=1))",
        "javascript-comment-cr": "[click](javascript://comment%0dalert(window.__xss=1))",
        "percent-encoded-body": "[click](javascript:%61lert(window.__xss=1))",
        "protocol-relative-quote": '[click](//x.invalid/"onmouseover="alert(window.__xss=1))',
        "nested-link-image": f"[![x](javascript:{RUN})](javascript:{RUN})",
        "query-script": f"[a](http://x.invalid/?q=<script>{RUN}</script>)",
        "href-double-quote": '[a](http://x.invalid/"onmouseover="alert(window.__xss=1))',
        "href-single-quote": "[a](http://x.invalid/'onmouseover='alert(window.__xss=1))",
    },
    "obfuscated-schemes": {
        "tab-entity": f"[click](jav&#x09;ascript:{RUN})",
        "tab-named-entity": f"[click](jav&Tab;ascript:{RUN})",
        "newline-entity": f"[click](java&NewLine;script:{RUN})",
        "decimal-entity": f"[click](&#106;avascript:{RUN})",
        "zero-padded-entity": f"[click](&#0000106avascript:{RUN})",
        "all-hex-entities": "[click](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;"
        f"{RUN})",
        "colon-entity": f"[click](javascript&colon;{RUN})",
        "colon-decimal-entity": f"[click](javascript&#58;{RUN})",
        "mixed-case": f"[click](JaVaScRiPt:{RUN})",
        "leading-space-angle": f"[click](< javascript:{RUN}>)",
        "tab-in-angle": f"[click](<jav\tascript:{RUN}>)",
        "space-in-angle": f"[click](<java script:{RUN}>)",
        "percent-first-letter": f"[click](%6Aavascript:{RUN})",
        "percent-newline": f"[click](j%0Aavascript:{RUN})",
        "percent-leading-nul": f"[click](%00javascript:{RUN})",
        "literal-newline": f"[click](java\nscript:{RUN})",
        "leading-control-char": f"[click](\x01javascript:{RUN})",
        "inner-nul": f"[click](java\x00script:{RUN})",
        "leading-escape-char": f"<\x1bjavascript:{RUN}>",
        "del-char": f"[click](\x7fjavascript:{RUN})",
        "zero-width-space": f"[click](java\u200bscript:{RUN})",
        "fullwidth-letters": f"[click](\uff4a\uff41\uff56\uff41\uff53\uff43\uff52\uff49\uff50\uff54:{RUN})",
        "entity-in-reference": f"[x]: &#106;avascript:{RUN}\n\n[x]",
    },
    "images": {
        "javascript-src": f"![x](javascript:{RUN})",
        "svg-data-uri": f"![__xss](data:image/svg+xml;base64,{_B64_SVG})",
        "data-text-html": "![x](data:text/html,__xss)",
        "vbscript-src": "![x](vbscript:__xss)",
        "src-breakout": f'![x](x" onerror="{RUN})',
        "alt-breakout": f'![a"onerror="{RUN}](x)',
        "title-breakout": '![a](x "t\\" onerror=\\"alert(window.__xss=1)")',
        "alt-with-html": f"![<img src=x onerror={RUN}>](x)",
        "alt-entity-breakout": "![&quot; onerror=&quot;alert(window.__xss=1)](x)",
    },
    "autolinks": {
        "javascript": f"<javascript:{RUN}>",
        "javascript-upper": f"<JAVASCRIPT:{RUN}>",
        "vbscript": "<vbscript:__xss>",
        "data-html": f"<data:text/html,<script>{RUN}</script>>",
        "quote-in-url": f'<http://x.invalid/" onmouseover="{RUN}>',
        "mailto-body": f"<mailto:a@b.invalid?body=<script>{RUN}</script>>",
        "email-quote": '<a@b.invalid" onmouseover="__xss=1>',
        "linkify-quote": 'www.x.invalid/"onmouseover="alert(window.__xss=1)"',
        "linkify-script": f"http://x.invalid/<script>{RUN}</script>",
        "https-breakout": f'<https://x.invalid/"><script>{RUN}</script>>',
    },
    "reference-definitions": {
        "javascript": f"[x]: javascript:{RUN}\n\n[x]",
        "angle-javascript": f"[x]: <javascript:{RUN}>\n\n[click][x]",
        "with-title": f'[x]: javascript:{RUN} "title"\n\n[x][]',
        "mixed-case-image": f"[X]: JaVaScRiPt:{RUN}\n\n![x][X]",
        "title-breakout": '[x]: http://ok.invalid "\\" onmouseover=\\"alert(window.__xss=1)"\n\n[x]',
    },
    "wiki-links": {
        "javascript-title": f"[[javascript:{RUN}]]",
        "img-label": f"[[x|<img src=x onerror={RUN}>]]",
        "script-title": f"[[<script>{RUN}</script>]]",
        "breakout-title": f'[["><img src=x onerror={RUN}>]]',
        "quote-label": f'[[x|" onmouseover="{RUN}]]',
        "data-title": "[[data:text/html,<script>__xss=1</script>|click]]",
        "markdown-link-label": f"[[x|[click](javascript:{RUN})]]",
        "entity-title": f"[[&#106;avascript:{RUN}]]",
        "path-traversal": "[[../../-/admin/users|__xss]]",
        "in-table": f"| a |\n| --- |\n| [[x\\|<svg onload={RUN}>]] |",
    },
    "svg-mathml": {
        "svg-script": f"<svg><script>{RUN}</script></svg>",
        "svg-xlink": f'<svg><a xlink:href="javascript:{RUN}"><text x=20 y=20>click</text></a></svg>',
        "svg-animate": f"<svg><animate onbegin={RUN} attributeName=x dur=1s>",
        "svg-set-href": f'<svg><a><set attributeName="href" to="javascript:{RUN}"/><text>x</text></a></svg>',
        "svg-foreign-object": '<svg><foreignObject><iframe srcdoc="&lt;script&gt;parent.__xss=1'
        '&lt;/script&gt;"></iframe></foreignObject></svg>',
        "math-xlink": f'<math><mi xlink:href="javascript:{RUN}">click</mi></math>',
        "math-maction": f'<math><maction actiontype="statusline" xlink:href="javascript:{RUN}">'
        "click</maction></math>",
        "math-mglyph-style": f"<math><mtext><table><mglyph><style><img src=x onerror={RUN}>",
    },
    "base-meta-form": {
        "base-javascript": f'<base href="javascript:{RUN}//">',
        "base-elsewhere": '<base href="//x.invalid/__xss/">',
        "meta-refresh-javascript": f'<meta http-equiv="refresh" content="0;url=javascript:{RUN}">',
        "meta-refresh-data": '<meta http-equiv="refresh" content="0;url=data:text/html,__xss">',
        "form-action": f'<form action="javascript:{RUN}"><button>go</button></form>',
        "button-formaction": f'<form><button formaction="javascript:{RUN}">go</button></form>',
        "input-formaction": f'<input type="image" src=x formaction="javascript:{RUN}">',
        "link-stylesheet": f'<link rel="stylesheet" href="javascript:{RUN}">',
        "link-import": f'<link rel="import" href="data:text/html,<script>{RUN}</script>">',
        "isindex-action": f'<isindex action="javascript:{RUN}" type=submit>',
    },
    "style": {
        "style-element": f'<style>*{{background:url("javascript:{RUN}")}}</style>',
        "style-import": f'<style>@import "javascript:{RUN}";</style>',
        "expression": f'<div style="width:expression({RUN})">x</div>',
        "url-javascript": f'<div style="background:url(javascript:{RUN})">x</div>',
        "behavior": '<p style="behavior:url(__xss.htc)">x</p>',
        "table-cell-style": f'| a |\n| --- |\n| <td style="x:expression({RUN})"> |',
        "comment-obfuscated": f'<img style="x:ex/**/pression({RUN})">',
    },
    "mutation": {
        "noscript-title": f'<noscript><p title="</noscript><img src=x onerror={RUN}>"></noscript>',
        "svg-p-style": f'<svg></p><style><a id="</style><img src=1 onerror={RUN}>">',
        "nested-template": f"<template><template><img src=x onerror={RUN}></template></template>",
        "comment-breakout": f"<!--><img src=x onerror={RUN}>-->",
        "comment-script": f"<!--><script>{RUN}</script>",
        "conditional-comment": f"<!--[if]><script>{RUN}</script -->",
        "mglyph-comment": '<math><mtext><table><mglyph><style><!--</style><img title="--&gt;'
        '&lt;/mglyph&gt;&lt;img&Tab;src=1&Tab;onerror=alert(window.__xss=1)&gt;">',
        "form-math": f"<form><math><mtext></form><form><mglyph><style></math><img src onerror={RUN}>",
        "xmp-title": f'<xmp><p title="</xmp><img src=x onerror={RUN}>">',
        "textarea-title": f'<textarea><p title="</textarea><img src=x onerror={RUN}>">',
        "noembed-title": f'<noembed><img title="</noembed><img src=x onerror={RUN}>"></noembed>',
        "cdata": f"<![CDATA[><img src=x onerror={RUN}>]]>",
        "processing-instruction": f"<?xml-stylesheet ><img src=x onerror={RUN}>?>",
    },
    "link-titles": {
        "double-quote": '[a](http://x.invalid "a\\" onmouseover=alert(window.__xss=1) x=\\"")',
        "single-quote": "[a](http://x.invalid 'a\\' onmouseover=alert(window.__xss=1) x=\\'')",
        "parenthesised": '[a](http://x.invalid (a" onmouseover="alert(window.__xss=1)))',
        "script-title": f'[a](http://x.invalid "<script>{RUN}</script>")',
        "entity-title": '[a](http://x.invalid "&quot; onmouseover=&quot;alert(window.__xss=1)")',
        "text-breakout": f'[a"onmouseover="{RUN}](http://x.invalid)',
        "html-text": f"[<img src=x onerror={RUN}>](http://x.invalid)",
    },
    "footnotes": {
        "html-note": f"x[^1]\n\n[^1]: <img src=x onerror={RUN}>",
        "html-label": f"x[^<script>]\n\n[^<script>]: {RUN}",
        "inline-note": f"x^[inline <svg onload={RUN}>]",
        "quote-label": 'x[^"onmouseover="__xss]\n\n[^"onmouseover="__xss]: note',
        "javascript-link-note": f"[^1]: [click](javascript:{RUN})\n\nx[^1]",
    },
    "tables": {
        "html-cells": f"| <script>{RUN}</script> | b |\n| --- | --- |\n"
        f"| <img src=x onerror={RUN}> | [c](javascript:{RUN}) |",
        "quote-cell": f'| a |\n| :-: |\n| " onmouseover="{RUN} |',
        "escaped-pipe": f"| a \\| <svg onload={RUN}> |\n| --- |\n| x |",
    },
    "code": {
        "info-breakout": f'```"><img src=x onerror={RUN}>\ncode\n```',
        "info-handler": "```python onload=alert(window.__xss=1)\nprint('__xss')\n```",
        "html-highlighted": f"```html\n<script>{RUN}</script>\n```",
        "javascript-highlighted": f"```javascript\n{RUN}\n```",
        "inline-code": f"`<script>{RUN}</script>`",
        "indented": f"    <script>{RUN}</script>",
        "tilde-info-script": f"~~~ <script>{RUN}</script>\nx\n~~~",
        "svg-highlighted": f"```svg\n<svg onload={RUN}>\n```",
        "entity-info": "```&lt;script&gt;alert(window.__xss=1)&lt;/script&gt;\nx\n```",
    },
    "headings": {
        "proto": "# __proto__\n\n__xss",
        "location": "# location\n\n## __xss",
        "document-cookie": "# document\n## cookie\n### __xss",
        "form-fields": "# submit\n# action\n# forms __xss\n# csrf_token",
        "template-ids": "# content\n# site-search-q\n# body __xss",
        "html-heading": f"## <img src=x onerror={RUN}>",
        "toc-breakout": f'# " onmouseover="{RUN}\n## x',
        "setext": f"Setext <script>{RUN}</script>\n===\n\nsecond\n---",
    },
    "unicode": {
        "rtl-override": f"\u202e>tpircs/<)1=ssx__.wodniw(trela>tpircs< \u202d<img src=x onerror={RUN}>",
        "zero-width-in-tag": f"<scr\u200bipt>{RUN}</scr\u200bipt>",
        "fullwidth-brackets": f"\uff1cscript\uff1e{RUN}\uff1c/script\uff1e",
        "byte-order-mark": f"\ufeff<script>{RUN}</script>",
        "dotless-i": f"<\u0131mg src=x onerror={RUN}>",
        "line-separators": f"\u2028<script>{RUN}</script>\u2029",
        "combining-marks": f"<s\u0301cript>{RUN}</script>",
    },
    "templates": {
        "jinja-config": "{{ config.SECRET_KEY }} {{ config }} {% raw %}__xss{% endraw %}",
        "jinja-self": "{{ self.__init__.__globals__ }} __xss",
        "template-literal": "${alert(window.__xss=1)}",
        "angular": "{{constructor.constructor('alert(window.__xss=1)')()}}",
    },
    "escaping": {
        "pre-escaped": "&lt;script&gt;alert(window.__xss=1)&lt;/script&gt;",
        "numeric-entities": "&#60;script&#62;alert(window.__xss=1)&#60;/script&#62;",
        "backslashes": f"\\<script>{RUN}\\</script>",
        "blockquote": f"> <script>{RUN}</script>",
        "task-list": f"- [ ] <img src=x onerror={RUN}>\n- [x] [click](javascript:{RUN})",
        "strikethrough": f"~~<script>{RUN}</script>~~",
        "strong": f"**<img src=x onerror={RUN}>**",
        "list-link": f"- <a href='javascript:{RUN}'>x</a>",
    },
}

CORPUS: tuple[Payload, ...] = tuple(
    Payload(group, name, text)
    for group, entries in GROUPS.items()
    for name, text in entries.items()
)
BY_ID: dict[str, Payload] = {payload.id: payload for payload in CORPUS}

NASTIEST: tuple[str, ...] = (
    "raw-html/script",
    "raw-html/img-onerror",
    "raw-html/svg-onload",
    "raw-html/iframe-srcdoc",
    "raw-html/textarea-breakout",
    "raw-html/title-breakout",
    "raw-html/attribute-breakout",
    "raw-html/script-end-breakout",
    "event-handlers/autofocus-onfocus",
    "link-urls/javascript",
    "link-urls/data-html",
    "obfuscated-schemes/tab-entity",
    "obfuscated-schemes/decimal-entity",
    "obfuscated-schemes/percent-first-letter",
    "images/src-breakout",
    "images/alt-breakout",
    "autolinks/javascript",
    "autolinks/quote-in-url",
    "reference-definitions/javascript",
    "wiki-links/javascript-title",
    "wiki-links/img-label",
    "svg-mathml/svg-xlink",
    "svg-mathml/math-xlink",
    "base-meta-form/base-javascript",
    "base-meta-form/meta-refresh-javascript",
    "mutation/noscript-title",
    "mutation/svg-p-style",
    "mutation/comment-breakout",
    "link-titles/double-quote",
    "footnotes/html-note",
    "tables/html-cells",
    "code/info-breakout",
    "headings/proto",
    "headings/toc-breakout",
    "unicode/line-separators",
    "templates/angular",
)
"""The payloads the browser tests use (a browser visit costs much more than a request)."""

HOSTILE_USERNAMES: tuple[str, ...] = (
    f"<script>{RUN}</script>",
    f"x<img src=x onerror={RUN}>",
    'a"onmouseover="__xss=1',
    "a'onmouseover='__xss=1",
    "javascript:__xss",
    "x __xss",
    "x/../__xss",
    "__xss",
    ".__xss",
    "x\n<script>__xss</script>",
    "x__xss\u200b",
    "\uff58__xss",
    "x%3Cscript%3E__xss",
    "x&lt;__xss",
    "x" * 64 + "__xss",
)
"""User names ``create_user`` must refuse (names are ``[A-Za-z0-9][A-Za-z0-9._-]{0,63}``)."""
