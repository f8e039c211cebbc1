"""The staff comment that goes with a decision (a pledge sent back or rejected, a report's clarification, an
organisation rejected): one typed text, sent to its readers as written."""

from __future__ import annotations

from handlers.forms.base import Form
from handlers.forms.steps import TextStep
from handlers.messages import N_

COMMENT = "comment"
"""The step id: the journeys read the comment as `state.answers[COMMENT]`."""
MIN_LENGTH, MAX_LENGTH = 5, 1500
"""A comment says something (not "ok"), and fits one message with the notice it goes in."""


def comment_form(form_id: str, title: str, question: str) -> Form:
    """A form of one step, the comment (`question`: its prompt, a message id), with no summary: it is sent as
    written once typed."""
    return Form(id=form_id, title=title, summary=False,
                steps=(TextStep(id=COMMENT, label=N_("Comment"), min_length=MIN_LENGTH, max_length=MAX_LENGTH,
                                question=question),))
