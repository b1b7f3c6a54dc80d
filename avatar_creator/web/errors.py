"""Errors on web pages: a domain error's own status and message, shown as a page or a toast.

The API keeps its JSON envelope. A request is the web's when it matched a web route, or matched nothing and asks
for HTML outside the API's paths (an unknown page in the browser gets a page, not JSON).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import WebSocketRequestValidationError
from fastapi.responses import RedirectResponse, Response

from avatar_creator.errors import AppError
from avatar_creator.web.rendering import is_fragment_request, is_htmx, render, toast_fragment
from avatar_creator.web.session import SignInRequired

WEB_TAG = "web"
NOT_WEB_PREFIXES = ("/api/", "/health", "/metrics", "/uploads/", "/static/", "/docs", "/openapi.json")
TITLES = {400: "That did not work", 402: "Not enough credits", 403: "This form has expired",
          404: "Page not found", 405: "Not allowed here", 409: "That clashes with something",
          413: "Too large", 415: "Unsupported file", 429: "Slow down a little", 503: "Unavailable for a moment"}
# What a page says for the errors that are not the domain's (an unknown address, a form the browser mangled, a
# database gone away, a bug): the API's handlers still decide their status, headers and logging.
MESSAGES = {400: "The request could not be read; please try again.", 404: "There is nothing at this address.",
            405: "This page does not take that kind of request.",
            503: "The service is busy or restarting; try again in a moment."}
UNEXPECTED = "Something went wrong on our side; it has been logged."


def is_web_request(request: Request) -> bool:
    route = request.scope.get("route")
    if route is not None:
        return WEB_TAG in (getattr(route, "tags", None) or [])
    path = request.url.path
    return not path.startswith(NOT_WEB_PREFIXES) and "text/html" in request.headers.get("accept", "")


def error_response(request: Request, status_code: int, message: str, headers: dict[str, str] | None = None
                   ) -> Response:
    """An error as a toast (an htmx request that changes part of a page) or as a whole page."""
    if is_fragment_request(request):
        response = toast_fragment(request, message, status_code=status_code)
    else:
        title = TITLES.get(status_code, "Something went wrong")
        response = render(request, "error.html", {"title": title, "message": message, "status": status_code},
                          status_code=status_code)
    response.headers.update(headers or {})
    return response


def _html_or_json(json_handler):
    async def handle(request: Request, error: Exception) -> Response:
        if not is_web_request(request):
            return await json_handler(request, error)
        if isinstance(error, AppError):
            return error_response(request, error.status_code, error.message, error.headers)
        answer = await json_handler(request, error)
        kept = {name: answer.headers[name] for name in ("Retry-After", "Allow") if name in answer.headers}
        return error_response(request, answer.status_code, MESSAGES.get(answer.status_code, UNEXPECTED), kept)

    return handle


async def _to_sign_in(request: Request, _error: Exception) -> Response:  # installed for SignInRequired
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = "/signin" if request.method != "GET" or back == "/" else f"/signin?next={quote(back, safe='/')}"
    if is_htmx(request):  # a full page load, not a sign-in form swapped into a fragment
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def install(app: FastAPI) -> None:
    """Wrap every error handler the API installed before this, so web requests get HTML."""
    for key, handler in list(app.exception_handlers.items()):
        if key is not WebSocketRequestValidationError:
            app.add_exception_handler(key, _html_or_json(handler))
    app.add_exception_handler(SignInRequired, _to_sign_in)
