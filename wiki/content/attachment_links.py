"""Links from a page's text to the page's own files: ``![diagram](attachment:diagram.png)``
and ``[report](attachment:Q3%20report.pdf)``.

The name is relative to the page, and the address the renderer writes holds the page's id
(``/-/pages/<id>/files/<name>``), which renaming or moving the page never changes. A
picture shows its thumbnail (the picture itself when it is small) inside a link to the
original, unless the text put it in a link of its own. A text with no page yet (the
preview of a new page) shows the names as plain text.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

__all__ = ["ATTACHMENT_SCHEME", "FILE_IMAGE_CLASS", "attachment_links_plugin", "file_url"]

ATTACHMENT_SCHEME = "attachment"
FILE_IMAGE_CLASS = "file-image"
_PREFIX = ATTACHMENT_SCHEME + ":"


def file_url(page_id: int, name: str, *, thumbnail: bool = False) -> str:
    """The address of a page's file (or of its thumbnail). Raises nothing."""
    kind = "thumbs" if thumbnail else "files"
    return f"/-/pages/{page_id}/{kind}/{quote(name, safe='')}"


def _name(url: str) -> str | None:
    if not url.lower().startswith(_PREFIX):
        return None
    name = unquote(url[len(_PREFIX) :]).strip()
    return name or None


def _rewrite(children: list[Token], page_id: int | None) -> list[Token]:
    out: list[Token] = []
    links_open = 0  # the text's own links around what follows
    dropped: list[bool] = []  # per open link: dropped (a file link without a page)
    for token in children:
        if token.type == "link_open":
            name = _name(str(token.attrGet("href") or ""))
            drop = name is not None and page_id is None
            dropped.append(drop)
            links_open += 1
            if name is not None and page_id is not None:
                token.attrSet("href", file_url(page_id, name))
            if not drop:
                out.append(token)
            continue
        if token.type == "link_close":
            links_open -= 1
            if not (dropped and dropped.pop()):
                out.append(token)
            continue
        if token.type == "image":
            name = _name(str(token.attrGet("src") or ""))
            if name is not None:
                if page_id is None:
                    text = Token("text", "", 0)
                    text.content = token.content or name
                    out.append(text)
                    continue
                token.attrSet("src", file_url(page_id, name, thumbnail=True))
                token.attrSet("loading", "lazy")
                if not links_open:
                    opening = Token("link_open", "a", 1)
                    opening.attrSet("href", file_url(page_id, name))
                    opening.attrSet("class", FILE_IMAGE_CLASS)
                    out.extend([opening, token, Token("link_close", "a", -1)])
                    continue
        out.append(token)
    return out


def attachment_links_plugin(md: MarkdownIt) -> None:
    """Resolve ``attachment:`` links and images against ``env["page_id"]`` (None: a text
    with no page yet). The link validator must let the scheme through."""

    def resolve(state: StateCore) -> None:
        page_id = state.env.get("page_id")
        for block in state.tokens:
            if block.type == "inline" and block.children:
                if any(
                    _name(str(child.attrGet("href") or child.attrGet("src") or ""))
                    for child in block.children
                ):
                    block.children = _rewrite(block.children, page_id)

    md.core.ruler.push("attachment_links", resolve)
