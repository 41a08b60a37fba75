"""A Markdown badge for model cards: stars and energy, linked to the exact leaderboard result.

The badge image is a shields.io static badge (no server of ours needed). A rated result's badge is
green and names the class its stars compare, for a task rated per class ('★★★★★ in class B'). A
self-reported label's badge says so, in grey, and links to the leaderboard rather than to a result; a
result measured on another GPU than the H100 says 'not rated (H200)', in grey too: it is no rating.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from label_generator.data import LabelData
from shared.method.hardware import not_rated_text

SHIELDS = "https://img.shields.io/badge"
BADGE_LABEL = "AI Energy Score"
VERIFIED_COLOR = "3ea45a"
SELF_REPORTED_COLOR = "lightgrey"
NOT_RATED_COLOR = "lightgrey"  # neutral: no stars is no rating, neither good nor bad


def _shields_part(text: str) -> str:
    """A path part of a shields.io static badge: '-' and '_' doubled, then percent-encoded."""
    return quote(text.replace("-", "--").replace("_", "__"), safe="")


def badge_message(data: LabelData) -> str:
    """'★★★☆☆ 2.37 Wh per 1k queries' ('★★★☆☆ in class B · 2.37 Wh per 1k queries' for a task rated per
    class), plus what qualifies it: '(self-reported)' when it matches no published result, '(published
    figure)' for an imported figure, '(random weights)' for a replica."""
    if data.not_rated:  # another GPU than the H100: no stars at all, never five empty ones
        rating = not_rated_text(data.gpu)
    else:
        rating = "★" * data.stars + "☆" * (5 - data.stars)
    if data.class_text:
        rating = f"{rating} {data.class_text} ·"
    message = f"{rating} {data.energy_text} per 1k queries"
    if not data.linked:
        return f"{message} (self-reported)"
    marks = (["published figure"] if data.provenance else []) + (["random weights"] if data.random_weights else [])
    return f"{message} ({', '.join(marks)})" if marks else message


def badge_image_url(data: LabelData) -> str:
    """The shields.io URL of the badge image."""
    if not data.linked:
        color = SELF_REPORTED_COLOR
    elif data.not_rated:
        color = NOT_RATED_COLOR
    else:
        color = VERIFIED_COLOR
    return f"{SHIELDS}/{_shields_part(BADGE_LABEL)}-{_shields_part(badge_message(data))}-{color}"


def badge_markdown(data: LabelData) -> str:
    """The Markdown snippet: the badge image, linked to the result (or the leaderboard)."""
    alt = f"{BADGE_LABEL}: {badge_message(data)} ({data.task})".replace("[", "(").replace("]", ")")
    image = f"![{alt}]({badge_image_url(data)})"
    link = data.link if data.linked else data.leaderboard_link
    return f"[{image}]({link})" if data.linked or urlsplit(link).netloc else image
