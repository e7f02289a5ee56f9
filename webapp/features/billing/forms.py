"""Billing forms: parsing and CSRF only; the rules live in the services."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField


class TopupForm(FlaskForm):
    amount = StringField("Amount (USD)")


class VerifyForm(FlaskForm):
    razorpay_payment_id = HiddenField()
    razorpay_order_id = HiddenField()
    razorpay_signature = HiddenField()


class AlertForm(FlaskForm):
    workspace_id = SelectField("Workspace", choices=[], validate_choice=False)
    resource = SelectField("Resource", choices=[("traffic", "Traffic (GB)"),
                                                ("storage", "Storage (GB)"),
                                                ("compute", "Compute (units)")])
    threshold = StringField("Threshold", default="10")
    channel = SelectField("Notify by", choices=[("in_app", "In-app"), ("email", "E-mail"),
                                                ("webhook", "Webhook")])
    webhook_url = StringField("Webhook URL (for webhook alerts)")
