"""Accounts (blueprint ``auth``): register, log in and out, the profile; the login manager's
set-up."""

from __future__ import annotations

import typing as t

from erlen import Blueprint, flash, redirect, render_template, url_for
from erlen.ext.login import current_user, login_required, login_user, logout_user, safe_next_url

from .extensions import db, login_manager
from .forms import LoginForm, ProfileForm, RegisterForm
from .models import DEFAULT_ROLE, AnonymousUser, Role, User

bp = Blueprint("auth", __name__, url_prefix="/auth")

login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to see this page."
login_manager.login_message_category = "info"
login_manager.anonymous_user = AnonymousUser


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The logged-in user, from the id in the session or remember-me cookie; ``None`` (logged
    out) when the account is gone or deactivated."""
    if not (user_id.isascii() and user_id.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


@bp.route("/register", methods=["GET", "POST"])
def register() -> t.Any:
    """Create an account with the default role, then ask to log in."""
    form = RegisterForm()
    if form.validate_on_submit():
        user = User(
            username=form.username.data,
            email=form.email.data,
            role=Role.named(DEFAULT_ROLE),
        )
        user.set_password(form.password.data)
        db.session.add(user)
        db.session.commit()
        flash("Your account is ready: log in.", "success")
        return redirect(url_for("auth.login"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
def login() -> t.Any:
    """Log in, then go back to the page that asked for it (``?next=``, if on this site)."""
    form = LoginForm()
    if form.validate_on_submit():
        user = User.by_username(form.username.data)
        if user is None or not user.check_password(form.password.data):
            flash("Wrong username or password.", "error")
        elif not user.active:
            flash("This account is deactivated.", "error")
        else:
            login_user(user, remember=form.remember_me.data)
            flash(f"Welcome, {user.username}!", "success")
            return redirect(safe_next_url(default=url_for("main.index")))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout() -> t.Any:
    """Log out (a POST with the CSRF token, so no link or prefetch can do it)."""
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("main.index"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> t.Any:
    """Change the current user's email address and "about me"."""
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)
    if form.validate_on_submit():
        user.email = form.email.data
        user.about = form.about.data.replace("\r\n", "\n")
        db.session.commit()
        flash("Profile saved.", "success")
        return redirect(url_for("main.user", username=user.username))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/profile.html", form=form), status
