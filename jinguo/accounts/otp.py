"""Second factor (TOTP, django-otp): required for the admin roles, optional for the others."""

from __future__ import annotations

import io
from typing import Any

import qrcode
import qrcode.image.svg
from django_otp.plugins.otp_totp.models import TOTPDevice


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def needs_second_factor(user: Any) -> bool:
    cached = user.__dict__.get("_needs_2fa")
    if cached is None:
        cached = user.has_admin_role() or confirmed_device(user) is not None
        user.__dict__["_needs_2fa"] = cached
    return bool(cached)


def pending_device(user: Any) -> TOTPDevice:
    """The unconfirmed device being set up, created on first need."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="动态口令", confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> str:
    img = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue().decode()


def secret_base32(device: TOTPDevice) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode().rstrip("=")
