"""The create form (parsing and CSRF only; the service validates)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField


class ItemForm(FlaskForm):
    title = StringField("Title")
    type = SelectField("Type", choices=[], validate_choice=False, default="TASK")
    priority = SelectField("Priority", choices=[], validate_choice=False, default="MEDIUM")
    status = SelectField("Status", choices=[], validate_choice=False)
    description = TextAreaField("Description")
    assignee_ids = SelectMultipleField("Assignees", choices=[], validate_choice=False)
    story_points = StringField("Story points")
    start_date = StringField("Start date")
    due_date = StringField("Due date")
    labels = StringField("Labels")
    parent_id = SelectField("Parent", choices=[], validate_choice=False)
