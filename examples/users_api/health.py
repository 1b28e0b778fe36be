"""Health checks for load balancers and orchestrators: ``/health`` (the process answers)
and ``/health/ready`` (it can reach its database; 503 otherwise)."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from erlen import Blueprint, current_app, jsonify

from .extensions import db, limiter

bp = Blueprint("health", __name__)


@bp.get("/health")
@limiter.exempt
def alive() -> t.Any:
    """Liveness: ``{"status": "ok"}`` while the process serves requests."""
    return jsonify(status="ok")


@bp.get("/health/ready")
@limiter.exempt
def ready() -> t.Any:
    """Readiness: 200 when a query reaches the database, else 503 (the error is logged,
    not shown)."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("Readiness check: the database is unreachable")
        return jsonify(status="unavailable", checks={"database": "unreachable"}), 503
    return jsonify(status="ok", checks={"database": "ok"})
