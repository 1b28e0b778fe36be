"""Type-checked, never run: error handlers for status codes and exception classes."""

from __future__ import annotations

from typing_extensions import assert_type

from erlen import Blueprint, Flask, Response, abort, jsonify, make_response, render_template_string
from erlen.exceptions import HTTPException, InternalServerError, NotFound
from erlen.typing import ResponseReturnValue

app = Flask(__name__)
bp = Blueprint("admin", __name__)


class PaymentError(Exception):
    def __init__(self, amount: int) -> None:
        super().__init__(amount)
        self.amount = amount


@app.errorhandler(404)
def not_found(error: NotFound) -> tuple[str, int]:
    return render_template_string("<h1>{{ e.description }}</h1>", e=error), 404


@app.errorhandler(InternalServerError)
def server_error(error: InternalServerError) -> Response:
    response = make_response("internal error", 500)
    if error.original_exception is not None:
        response.headers["X-Error"] = type(error.original_exception).__name__
    return response


@app.errorhandler(HTTPException)
def http_error(error: HTTPException) -> ResponseReturnValue:
    response = error.get_response()
    assert_type(error.code, int | None)
    return jsonify(code=error.code, name=error.name, description=error.description), (
        response.status_code
    )


@bp.errorhandler(PaymentError)
def payment_error(error: PaymentError) -> ResponseReturnValue:
    return {"error": "payment", "amount": error.amount}, 402


@bp.app_errorhandler(403)
def forbidden(error: HTTPException) -> str:
    return "forbidden"


async def async_handler(error: KeyError) -> str:
    return f"missing {error}"


app.register_error_handler(KeyError, async_handler)
app.register_error_handler(418, lambda e: ("teapot", 418))

# The decorator gives back the handler unchanged.
assert_type(not_found(NotFound()), tuple[str, int])
assert_type(payment_error(PaymentError(5)), ResponseReturnValue)


@app.route("/pay/<int:amount>")
def pay(amount: int) -> str:
    if amount < 0:
        abort(400, description="negative amount")
    if amount == 0:
        abort(make_response("nothing to pay", 400))
    if amount > 1000:
        raise PaymentError(amount)
    return "paid"
