"""Project membership forms: parsing and CSRF only."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

BOARD_CHOICES = [SelectChoice("SCRUM", "Scrum: sprints and a backlog"),
                 SelectChoice("KANBAN", "Kanban: continuous flow"),
                 SelectChoice("HYBRID", "Hybrid: sprints on a flow board")]


class ProjectForm(FlaskForm):
    name = StringField("Name")
    key = StringField("Key")
    space_id = SelectField("Space", choices=[], validate_choice=False)
    description = TextAreaField("Description")
    board_type = SelectField("Board type", choices=BOARD_CHOICES, validate_choice=False,
                             default="SCRUM")
    workflow_id = SelectField("Workflow", choices=[], validate_choice=False)
    start_date = StringField("Start date")
    deadline = StringField("Deadline")
    image = FileField("Image")


class AddMemberForm(FlaskForm):
    user_id = SelectField("Workspace member", choices=[], validate_choice=False)
    role_id = SelectField("Role", choices=[], validate_choice=False)


class RoleForm(FlaskForm):
    name = StringField("Role name")
    description = StringField("Description")


class TeamForm(FlaskForm):
    name = StringField("Team name")
    description = StringField("Description")


class GrantForm(FlaskForm):
    user_id = SelectField("Member", choices=[], validate_choice=False)
    permission = SelectField("Permission", choices=[], validate_choice=False)


class ActionForm(FlaskForm):
    """A button that posts: CSRF only."""


class GeneralForm(FlaskForm):
    name = StringField("Name")
    description = TextAreaField("Description")
    board_type = SelectField("Board type", choices=BOARD_CHOICES, validate_choice=False)
    status = SelectField("Status", choices=[SelectChoice("ACTIVE", "Active"),
                                            SelectChoice("ON_HOLD", "On hold"),
                                            SelectChoice("COMPLETED", "Completed")],
                         validate_choice=False)
    start_date = StringField("Start date")
    deadline = StringField("Deadline")
    color = StringField("Colour")
    default_assignee_id = SelectField("Default assignee", choices=[], validate_choice=False)
    auto_assign_creator = BooleanField("Assign new items to their creator")
    default_swimlane = SelectField("Default swimlane", choices=[
        SelectChoice("none", "None"), SelectChoice("assignee", "Assignee"),
        SelectChoice("epic", "Epic"), SelectChoice("type", "Work type")], validate_choice=False)
    default_sprint_duration = StringField("Sprint length (days)")
    sprint_start_day = SelectField("Sprints start on", choices=[], validate_choice=False)


class CustomForm(FlaskForm):
    """A custom work type, priority (key, label, colour, icon/level) or label (name)."""
    key = StringField("Key")
    label = StringField("Name")
    name = StringField("Label")
    color = StringField("Colour", default="#64748b")
    icon = StringField("Icon", default="square")
    level = StringField("Level", default="2")


class CopyForm(FlaskForm):
    source_id = SelectField("Copy from project", choices=[], validate_choice=False)


class KeyForm(FlaskForm):
    key = StringField("New key")


class ConfirmDeleteForm(FlaskForm):
    confirm = StringField("Type the project key to confirm")
